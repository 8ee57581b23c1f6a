// The messages on the page: putting new ones in order, redrawing changed ones from live events,
// older history above, and where the page opens.
//
// Live changes keep the reader's place. A redrawn message (a new reply count, a stamp, an edit) may
// change height: the message at the top of the pane stays where it was on screen. A new message while
// the reader is at the bottom keeps the pane at the bottom; while they read older ones (scrolled up),
// the view does not move and a 「新しいメッセージ」 bar offers to go down.

import { format, getPage } from "./net.js";
import {
  atNewest, config, copies, openThreadId, root, scrollToEnd, scroller, stream, threadList,
} from "./page.js";
import { announceArrival } from "./arrivals.js";
import { drawn, personalize, placeOf, stateOf, swap } from "./message.js";
import { pressedAfter } from "./stamps.js";
import { elsewhere, here, markRead } from "./unread.js";
import { stoppedTyping } from "./typing.js";

export function insertInto(list, node) {
  if (!list || !node) return;
  const id = Number(node.dataset.messageId);
  if (list.querySelector(`:scope > [data-message-id="${id}"]`)) return;
  const empty = root.querySelector("[data-empty]");
  if (empty && list === stream()) empty.remove();
  // Keep the order by id even if events arrive out of order.
  const later = [...list.querySelectorAll(":scope > [data-message-id]")].find((item) => Number(item.dataset.messageId) > id);
  list.insertBefore(node, later || null);
}

const NEAR_BOTTOM_PX = 80;

function atBottom(box = scroller()) {
  return box.scrollHeight - box.scrollTop - box.clientHeight <= NEAR_BOTTOM_PX;
}

function paneTop(box) {
  return box === document.scrollingElement ? 0 : box.getBoundingClientRect().top;
}

// What the reader is reading: the first message that starts in view (or, when one fills the view,
// the one they are in), and where its top is on screen. A message cut off at the top of the pane is
// not it: it may be the one that changes.
function anchorOf(box) {
  const top = paneTop(box);
  const items = [...stream().querySelectorAll(":scope > [data-message-id]")];
  const start = items.findIndex((node) => node.getBoundingClientRect().bottom > top);
  if (start < 0) return null;
  const next = items[start + 1];
  const bottom = top + box.clientHeight;
  const item = items[start].getBoundingClientRect().top < top && next && next.getBoundingClientRect().top < bottom
    ? next : items[start];
  return { id: item.dataset.messageId, top: item.getBoundingClientRect().top };
}

// Make a change to the stream without moving what the reader sees: at the bottom it stays at the
// bottom; elsewhere the message at the top of the pane stays where it is on screen.
function keepingPlace(change) {
  const box = scroller();
  if (!stream()) {
    change();
    return;
  }
  const bottom = atBottom(box);
  const anchor = bottom ? null : anchorOf(box);
  change();
  if (bottom) {
    scrollToEnd();
    return;
  }
  const item = anchor && stream().querySelector(`:scope > [data-message-id="${anchor.id}"]`);
  if (!item) return;
  const moved = item.getBoundingClientRect().top - anchor.top;
  if (moved) box.scrollTop += moved;
}

// The 「新しいメッセージ」 bar: messages by others that came while the reader was scrolled up.
const unseen = [];
let bar = null;

function seenAll() {
  if (unseen.length) markRead(unseen[unseen.length - 1]);
  unseen.length = 0;
  if (bar) bar.hidden = true;
}

function newMessagesBar() {
  if (bar) return bar;
  bar = document.createElement("button");
  bar.type = "button";
  bar.className = "new-messages-bar";
  bar.dataset.newMessages = "";
  bar.hidden = true;
  bar.addEventListener("click", () => {
    const first = unseen.length ? stream().querySelector(`:scope > [data-message-id="${unseen[0]}"]`) : null;
    scrollToEnd();
    seenAll();
    first?.focus({ preventScroll: true });
  });
  // In the pane, after the messages: sticky, it stays at the pane's foot while the reader scrolls.
  stream().after(bar);
  const box = scroller();
  (box === document.scrollingElement ? window : box).addEventListener("scroll", () => {
    if (unseen.length && atBottom(box)) seenAll();
  }, { passive: true });
  return bar;
}

function showNewMessages(id) {
  unseen.push(id);
  const button = newMessagesBar();
  const arrow = document.createElement("span");
  arrow.setAttribute("aria-hidden", "true");
  arrow.textContent = " ↓";
  button.replaceChildren(format(config.strings.new_messages, { count: unseen.length }), arrow);
  button.hidden = false;
}

function created(data) {
  if (data.channel_id !== config.channel.id) {
    elsewhere(data);
    return;
  }
  if ((!data.thread_root_id || data.also_in_channel) && atNewest()) {
    const node = drawn(data, "stream");
    if (node) {
      const byOther = Boolean(data.author && data.author.id !== config.me);
      // One's own post always shows; another's moves the view only for a reader at the bottom.
      const follow = atBottom() || !byOther;
      keepingPlace(() => insertInto(stream(), personalize(node)));
      if (follow) scrollToEnd();
      else showNewMessages(data.id);
      if (byOther) {
        announceArrival(data.author.name);
        here(data);
        // Read only once seen: a reader scrolled up reads it when they reach it (seenAll).
        if (follow) markRead(data.id);
      }
    }
  }
  if (data.thread_root_id && data.thread_root_id === openThreadId()) {
    const node = drawn(data, "thread");
    if (node) insertInto(threadList(), personalize(node));
  }
  if (data.author) stoppedTyping(data.author.id);
}

// An edit, a pin, files, a deletion, a stamp or a new reply: every copy of the message is redrawn.
function changed(event) {
  const data = event.data;
  const id = event.type === "thread.replied" ? data.thread_root_id : (data.id ?? data.message_id);
  keepingPlace(() => copies(id).forEach((item) => {
    const fresh = drawn(data, placeOf(item));
    if (!fresh) {
      // No drawing came with the event (the server could not draw it): a deletion still takes the
      // text off every open page at once, as the page would show it after a reload.
      if (event.type === "message.deleted") tombstone(item);
      return;
    }
    const state = event.type.startsWith("reaction.") ? pressedAfter(stateOf(item), event) : stateOf(item);
    swap(item, fresh, state);
  }));
}

function tombstone(item) {
  const content = item.querySelector(".message__content");
  if (!content) return;
  const note = document.createElement("p");
  note.className = "message__tombstone";
  note.textContent = config.strings.deleted;
  content.replaceChildren(note);
  item.classList.add("message--deleted");
  item.querySelector(".avatar")?.replaceChildren();
}

export function onStreamEvent(event) {
  switch (event.type) {
    case "message.created":
      created(event.data || {});
      return;
    case "message.updated":
    case "message.deleted":
    case "reaction.added":
    case "reaction.removed":
    case "thread.replied":
      changed(event);
      return;
    case "resync":
      if (event.data.channel_id === config.channel.id && atNewest()) window.location.reload();
      return;
    default:
  }
}

export async function loadOlder(link) {
  const page = await getPage(link.href);
  const incoming = page.querySelector("[data-stream]");
  const list = stream();
  const box = scroller();
  const before = box.scrollHeight - box.scrollTop;
  const firstOld = list.firstElementChild;
  const nodes = [...incoming.children].filter((node) => !node.dataset.messageId || !list.querySelector(`[data-message-id="${node.dataset.messageId}"]`));
  list.prepend(...nodes);
  box.scrollTop = box.scrollHeight - before;
  const olderLink = page.querySelector("[data-older]");
  if (olderLink) {
    link.href = olderLink.getAttribute("href");
    link.dataset.older = olderLink.dataset.older;
  } else {
    link.closest(".history-nav").remove();
  }
  (firstOld?.previousElementSibling || list.firstElementChild)?.focus();
}

// Where the page opens: at an anchor, at the first unread, or at the newest message.
export function openAtReadingPosition() {
  if (window.location.hash) return;
  const divider = root.querySelector("#unread");
  if (divider) divider.scrollIntoView({ block: "center" });
  else if (atNewest()) scrollToEnd();
}

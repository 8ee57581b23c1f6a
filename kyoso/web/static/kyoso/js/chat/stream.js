// The messages on the page: putting new ones in order, redrawing changed ones from live events,
// older history above, and where the page opens.

import { format, getPage } from "./net.js";
import {
  announce, atNewest, config, copies, nearEnd, openThreadId, root, scrollToEnd, stream, threadList,
} from "./page.js";
import { drawn, personalize, placeOf, stateOf, swap } from "./message.js";
import { pressedAfter } from "./stamps.js";
import { elsewhere, markRead } from "./unread.js";
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

function created(data) {
  if (data.channel_id !== config.channel.id) {
    elsewhere(data);
    return;
  }
  if ((!data.thread_root_id || data.also_in_channel) && atNewest()) {
    const node = drawn(data, "stream");
    if (node) {
      const follow = nearEnd();
      insertInto(stream(), personalize(node));
      if (follow) scrollToEnd();
      if (data.author && data.author.id !== config.me) {
        announce(format(config.strings.new_message, { name: data.author.name }));
        markRead(data.id);
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
  copies(id).forEach((item) => {
    const fresh = drawn(data, placeOf(item));
    if (!fresh) {
      // No drawing came with the event (the server could not draw it): a deletion still takes the
      // text off every open page at once, as the page would show it after a reload.
      if (event.type === "message.deleted") tombstone(item);
      return;
    }
    const state = event.type.startsWith("reaction.") ? pressedAfter(stateOf(item), event) : stateOf(item);
    swap(item, fresh, state);
  });
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
  const before = document.documentElement.scrollHeight;
  const firstOld = list.firstElementChild;
  const nodes = [...incoming.children].filter((node) => !node.dataset.messageId || !list.querySelector(`[data-message-id="${node.dataset.messageId}"]`));
  list.prepend(...nodes);
  window.scrollBy(0, document.documentElement.scrollHeight - before);
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
  else if (atNewest() && !root.querySelector(".chat__thread")) scrollToEnd();
}

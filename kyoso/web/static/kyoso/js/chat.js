// The chat page, enhanced: send with Enter, update in place, thread pane, older history by keyset,
// mention type-ahead, and live updates from live.js. Every form still works without this script.

import { fromHtml, getHtml, getPage, send, format } from "./chat/net.js";
import {
  buildMenu, buildStampPicker, renderAttachments, renderMessage, setBody, tombstone, updateReplies, updateStamp,
} from "./chat/render.js";
import { setUpMentions, setUpPeoplePicker } from "./chat/typeahead.js";

const root = document.querySelector("[data-chat]");
const configNode = document.getElementById("chat-config");
const config = configNode ? JSON.parse(configNode.textContent) : null;
const TYPING_SHOW_MS = 5000;
const TYPING_SEND_MS = 3000;
const READ_DELAY_MS = 800;

let live = null; // the live.js module, once loaded
const announcer = document.querySelector("[data-live-announcer]");

function announce(text) {
  if (!announcer || !text) return;
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 50);
}

function stream() { return root.querySelector("[data-stream]"); }
function threadList() { return root.querySelector("[data-thread-list]"); }
function openThreadId() {
  const pane = root.querySelector("[data-thread]");
  return pane ? Number(pane.dataset.thread) : null;
}
function atNewest() { return root.dataset.atNewest === "1"; }
function copies(id) { return root.querySelectorAll(`[data-message-id="${id}"]`); }

function scrollToEnd() {
  window.scrollTo({ top: document.documentElement.scrollHeight });
}

function nearEnd() {
  return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 200;
}

function lastStreamId() {
  const items = stream() ? stream().querySelectorAll("[data-message-id]") : [];
  let last = 0;
  items.forEach((item) => { last = Math.max(last, Number(item.dataset.messageId)); });
  return last;
}

// ---- Reading position ------------------------------------------------------------------------
let readTimer = null;
function markRead(upTo) {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (document.visibilityState !== "visible") return;
    send(config.read_url, { up_to: upTo }).catch(() => {});
  }, READ_DELAY_MS);
}

// ---- Putting messages on the page ------------------------------------------------------------
function insertInto(list, node) {
  if (!list || !node) return;
  const id = Number(node.dataset.messageId);
  if (list.querySelector(`:scope > [data-message-id="${id}"]`)) return;
  const empty = root.querySelector("[data-empty]");
  if (empty && list === stream()) empty.remove();
  // Keep the order by id even if events arrive out of order.
  const later = [...list.querySelectorAll(":scope > [data-message-id]")].find((item) => Number(item.dataset.messageId) > id);
  list.insertBefore(node, later || null);
}

function replaceCopy(oldNode, html) {
  const fresh = fromHtml(html);
  if (!fresh) return null;
  oldNode.replaceWith(fresh);
  return fresh;
}

// ---- The message boxes -----------------------------------------------------------------------
let lastTyping = 0;
function setUpComposer(form) {
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  const textarea = form.querySelector("textarea");
  const error = form.querySelector("[data-composer-error]");
  const files = form.querySelector("[data-composer-files]");
  const chosen = form.querySelector("[data-composer-chosen]");
  const mentions = setUpMentions(textarea, config);

  textarea.addEventListener("keydown", (event) => {
    // Enter sends; Shift+Enter is a new line. While an IME is converting, Enter confirms the
    // conversion and must never send half-written Japanese.
    if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return;
    if (mentions && mentions.isOpen()) return;
    if (event.shiftKey || event.altKey) return;
    event.preventDefault();
    form.requestSubmit();
  });
  textarea.addEventListener("input", () => {
    if (error.textContent) {
      error.textContent = "";
      textarea.removeAttribute("aria-invalid");
    }
    const now = Date.now();
    if (live && textarea.value.trim() && now - lastTyping > TYPING_SEND_MS) {
      lastTyping = now;
      live.sendTyping(config.channel.id);
    }
  });
  files.addEventListener("change", () => {
    const names = [...files.files].map((file) => file.name).join("、");
    chosen.textContent = names ? format(config.strings.files_chosen, { names }) : "";
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.dataset.sending) return;
    form.dataset.sending = "1";
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      const data = await send(form.action, new FormData(form));
      textarea.value = "";
      files.value = "";
      chosen.textContent = "";
      const node = fromHtml(data.html);
      if (data.thread_root_id) {
        insertInto(threadList(), node);
      } else if (atNewest()) {
        insertInto(stream(), node);
        scrollToEnd();
      } else {
        window.location.assign(`${config.base}#m-${data.id}`);
      }
      textarea.focus();
    } catch (failure) {
      // The text stays in the box: nothing the member wrote is lost.
      error.textContent = failure.memberMessage || config.strings.failed;
      textarea.setAttribute("aria-invalid", "true");
      textarea.focus();
    } finally {
      delete form.dataset.sending;
      button.disabled = false;
    }
  });
}

// ---- Popovers: the stamp picker and the "…" menu of a message ------------------------------------
let popover = null;

function closePopover({ restoreFocus = false } = {}) {
  if (!popover) return;
  const { panel, trigger } = popover;
  popover = null;
  panel.remove();
  trigger.setAttribute("aria-expanded", "false");
  if (restoreFocus) trigger.focus();
}

function openPopover(trigger, build) {
  const wasOpen = popover && popover.trigger === trigger;
  closePopover();
  if (wasOpen) return;
  const item = trigger.closest("[data-message-id]");
  const panel = build(config, item);
  trigger.closest(".message__actions").append(panel);
  trigger.setAttribute("aria-expanded", "true");
  popover = { panel, trigger };
  panel.querySelector("button, a")?.focus();
}

document.addEventListener("pointerdown", (event) => {
  if (popover && !popover.panel.contains(event.target) && !popover.trigger.contains(event.target)) closePopover();
});

// ---- Forms on messages: stamps, save, pin, follow --------------------------------------------
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-enhance]");
  if (!form || !root || !root.contains(form)) return;
  event.preventDefault();
  const submitter = event.submitter;
  const fields = new FormData(form, submitter);
  try {
    const data = await send(form.action, fields);
    if (form.hasAttribute("data-follow")) {
      const button = form.querySelector("button");
      button.setAttribute("aria-pressed", String(data.following));
      button.textContent = data.following ? config.strings.following : config.strings.follow;
    } else if (data.html) {
      const item = form.closest("[data-message-id]");
      const fromPopover = Boolean(form.closest(".popover"));
      const wasPicker = Boolean(form.closest(".stamp-picker__panel"));
      closePopover();
      const fresh = replaceCopy(item, data.html);
      // Keep the keyboard where it was: on the stamp pressed, or on the button that opened the popover.
      const again = !fromPopover && submitter && fresh && submitter.name
        ? fresh.querySelector(`.stamps [name="${submitter.name}"][value="${submitter.value}"]`) : null;
      const opener = fromPopover && fresh
        ? fresh.querySelector(wasPicker ? "[data-stamp-picker]" : "[data-message-menu]") : null;
      (again || opener || fresh)?.focus();
    }
    announce(data.notice);
  } catch (failure) {
    announce(failure.memberMessage || config.strings.failed);
  }
});

// ---- Clicks: edit, delete, copy link, who reacted, threads, older history -----------------------
async function startEdit(link, item) {
  if (!item) return;
  const body = item.querySelector(".message__body");
  if (!body || item.querySelector(".message__editor")) return;
  const page = await getPage(link.href);
  const source = page.querySelector("textarea[name=text]");
  const form = document.createElement("form");
  form.className = "message__editor";
  const label = document.createElement("label");
  label.className = "visually-hidden";
  label.textContent = config.strings.edit_label;
  label.htmlFor = `edit-${item.dataset.messageId}`;
  const textarea = document.createElement("textarea");
  textarea.id = label.htmlFor;
  textarea.className = "composer__text";
  textarea.name = "text";
  textarea.value = source ? source.value : "";
  const error = document.createElement("p");
  error.className = "composer__error";
  error.setAttribute("role", "alert");
  const save = document.createElement("button");
  save.type = "submit";
  save.className = "button button--primary button--sm";
  save.textContent = config.strings.save;
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button button--secondary button--sm";
  cancel.textContent = config.strings.cancel;
  const bar = document.createElement("div");
  bar.className = "composer__bar";
  bar.append(save, cancel);
  form.append(label, textarea, error, bar);
  body.hidden = true;
  body.after(form);
  textarea.focus();
  const stop = () => { form.remove(); body.hidden = false; item.focus(); };
  cancel.addEventListener("click", stop);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Escape") stop();
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) form.requestSubmit();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const data = await send(link.href, { text: textarea.value });
      replaceCopy(item, data.html)?.focus();
    } catch (failure) {
      error.textContent = failure.memberMessage || config.strings.failed;
      textarea.focus();
    }
  });
}

async function deleteMessage(link, item) {
  if (!item || !window.confirm(config.strings.confirm_delete)) return;
  try {
    const data = await send(link.href, {});
    replaceCopy(item, data.html)?.focus();
    announce(data.notice);
  } catch (failure) {
    announce(failure.memberMessage || config.strings.failed);
  }
}

let dialog = null;
async function showReactions(link) {
  const html = await getHtml(link.href);
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.className = "reactions-dialog";
    dialog.setAttribute("aria-labelledby", "reactions-dialog-title");
    document.body.append(dialog);
  }
  const title = document.createElement("h2");
  title.id = "reactions-dialog-title";
  title.className = "reactions-dialog__title";
  title.textContent = config.strings.who_reacted;
  const body = document.createElement("div");
  body.innerHTML = html; // rendered by our own template, names escaped there
  const close = document.createElement("button");
  close.type = "button";
  close.className = "button button--secondary button--sm";
  close.textContent = config.strings.close;
  close.addEventListener("click", () => dialog.close());
  dialog.replaceChildren(title, body, close);
  dialog.showModal();
  close.focus();
}

async function openThread(url, { push = true } = {}) {
  const page = await getPage(url);
  const pane = page.querySelector(".chat__thread");
  if (!pane) return;
  const current = root.querySelector(".chat__thread");
  if (current) current.replaceWith(pane); else root.append(pane);
  root.classList.add("chat--thread-open");
  if (push) history.pushState({ thread: pane.dataset.thread }, "", url);
  pane.querySelectorAll("[data-composer]").forEach(setUpComposer);
  const hash = new URL(url, window.location.href).hash;
  const target = hash === "#thread-reply" ? pane.querySelector("textarea")
    : (hash && pane.querySelector(hash)) || pane.querySelector("#thread-heading");
  target?.focus();
}

function closeThread({ push = true } = {}) {
  const pane = root.querySelector(".chat__thread");
  if (!pane) return;
  const rootId = pane.dataset.thread;
  pane.remove();
  root.classList.remove("chat--thread-open");
  if (push) history.pushState({}, "", config.base);
  stream().querySelector(`[data-message-id="${rootId}"]`)?.focus();
}

async function loadOlder(link) {
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

document.addEventListener("click", (event) => {
  if (!root) return;
  const target = event.target.closest("a, button");
  if (!target || !root.contains(target)) return;
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (target.matches("[data-stamp-picker]")) {
    event.preventDefault();
    openPopover(target, buildStampPicker);
  } else if (target.matches("[data-message-menu]")) {
    event.preventDefault();
    openPopover(target, buildMenu);
  } else if (target.matches("[data-edit]")) {
    event.preventDefault();
    const item = target.closest("[data-message-id]");
    closePopover();
    startEdit(target, item);
  } else if (target.matches("[data-delete]")) {
    event.preventDefault();
    const item = target.closest("[data-message-id]");
    closePopover();
    deleteMessage(target, item);
  } else if (target.matches("[data-copy-link]")) {
    navigator.clipboard.writeText(new URL(target.dataset.copyLink, window.location.origin).href)
      .then(() => announce(config.strings.copied));
    closePopover({ restoreFocus: true });
  } else if (target.matches("[data-reactions]")) {
    event.preventDefault();
    showReactions(target);
  } else if (target.matches("[data-open-thread]")) {
    event.preventDefault();
    openThread(target.href);
  } else if (target.matches("[data-close-thread]")) {
    event.preventDefault();
    closeThread();
  } else if (target.matches("[data-older]")) {
    event.preventDefault();
    loadOlder(target);
  } else if (target.matches("[data-disclose]")) {
    event.preventDefault();
    const panel = document.getElementById(target.dataset.disclose);
    panel.toggleAttribute("data-open");
    panel.querySelector("input:not([type=hidden])")?.focus();
  }
});

// Escape closes an open popover first, then the thread pane.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !root) return;
  if (popover) {
    closePopover({ restoreFocus: true });
    return;
  }
  const pane = root.querySelector(".chat__thread");
  if (pane && pane.contains(event.target) && event.target.tagName !== "TEXTAREA") closeThread();
});

window.addEventListener("popstate", () => {
  if (/\/threads\/\d+\/$/.test(window.location.pathname)) openThread(window.location.href, { push: false });
  else closeThread({ push: false });
});

// ---- Live updates (kyoso/js/live.js) ------------------------------------------------------------
const typing = new Map();
function showTyping() {
  const line = root.querySelector("[data-typing]");
  const now = Date.now();
  for (const [id, entry] of typing) if (entry.until < now) typing.delete(id);
  const names = [...typing.values()].map((entry) => entry.name);
  line.textContent = names.length === 0 ? ""
    : names.length === 1 ? format(config.strings.typing_one, { name: names[0] })
      : format(config.strings.typing_many, { count: names.length });
}

function bumpBadge(channelId, selector, className, label) {
  const link = document.querySelector(`[data-sidebar-channel="${channelId}"]`);
  if (!link) return;
  let badge = link.querySelector(selector);
  if (!badge) {
    badge = document.createElement("span");
    badge.className = className;
    badge.setAttribute(selector.slice(1, -1), "");
    link.querySelector(".sidebar__badges").append(badge);
  }
  const count = (parseInt(badge.textContent.replace(/\D/g, ""), 10) || 0) + 1;
  badge.textContent = `${label}${count}`;
}

function onEvent(event) {
  const data = event.data || {};
  switch (event.type) {
    case "message.created": {
      if (data.channel_id !== config.channel.id) {
        if (data.author && data.author.id !== config.me && !(data.thread_root_id && !data.also_in_channel)) {
          bumpBadge(data.channel_id, "[data-unread-count]", "badge", "");
        }
        return;
      }
      const canPost = config.composer === "post";
      if ((!data.thread_root_id || data.also_in_channel) && atNewest()) {
        const follow = nearEnd();
        insertInto(stream(), renderMessage(config, data, { canPost }));
        if (follow) scrollToEnd();
        if (data.author && data.author.id !== config.me) {
          announce(format(config.strings.new_message, { name: data.author.name }));
          markRead(data.id);
        }
      }
      if (data.thread_root_id && data.thread_root_id === openThreadId()) {
        insertInto(threadList(), renderMessage(config, data, { inThread: true, canPost }));
      }
      if (data.author) typing.delete(data.author.id);
      showTyping();
      return;
    }
    case "message.updated":
    case "message.deleted": {
      const id = data.id || data.message_id;
      copies(id).forEach((item) => {
        if (data.deleted || event.type === "message.deleted") tombstone(item, config);
        else if ("html" in data) setBody(item, config, data);
        if (data.attachments) {
          const list = renderAttachments(data.attachments);
          item.querySelector(".attachments")?.remove();
          if (list) item.querySelector(".message__body")?.after(list);
        }
      });
      return;
    }
    case "reaction.added":
    case "reaction.removed":
      copies(data.message_id).forEach((item) => updateStamp(item, config, { ...data, type: event.type }));
      return;
    case "thread.replied":
      stream()?.querySelectorAll(`[data-message-id="${data.thread_root_id}"]`).forEach((item) => updateReplies(item, config, data));
      return;
    case "member.typing":
      if (data.channel_id !== config.channel.id || !data.member || data.member.id === config.me) return;
      typing.set(data.member.id, { name: data.member.name, until: Date.now() + TYPING_SHOW_MS });
      showTyping();
      setTimeout(showTyping, TYPING_SHOW_MS + 100);
      return;
    case "mention.created":
      if (data.channel_id !== config.channel.id) bumpBadge(data.channel_id, "[data-mention-count]", "badge badge--mention", "@");
      return;
    case "read.updated": {
      const link = document.querySelector(`[data-sidebar-channel="${data.channel_id}"]`);
      link?.querySelectorAll("[data-unread-count], [data-mention-count]").forEach((badge) => badge.remove());
      return;
    }
    case "resync":
      if (data.channel_id === config.channel.id && atNewest()) window.location.reload();
      return;
    default:
  }
}

function startLive() {
  if (!config.live) return;
  import("./live.js").then((module) => {
    live = module;
    document.addEventListener("kyoso:event", (event) => onEvent(event.detail));
    document.addEventListener("kyoso:connection", (event) => {
      const status = root.querySelector("[data-connection]");
      if (status) status.textContent = event.detail.state === "closed" ? config.strings.connection_lost : "";
    });
    module.connect({ lastIds: () => (atNewest() ? { [config.channel.id]: lastStreamId() } : {}) });
  }).catch(() => {
    // Without live updates the page still works; new messages appear on reload.
  });
}

if (root && config) {
  config.moderator = root.dataset.moderator === "1";
  root.querySelectorAll("[data-composer]").forEach(setUpComposer);
  document.querySelectorAll("[data-people-form]").forEach((form) => setUpPeoplePicker(form, config));
  if (!window.location.hash) {
    const divider = root.querySelector("#unread");
    if (divider) divider.scrollIntoView({ block: "center" });
    else if (atNewest() && !root.querySelector(".chat__thread")) scrollToEnd();
  }
  startLive();
  setInterval(showTyping, TYPING_SHOW_MS);
}

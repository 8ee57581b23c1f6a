// The chat page, enhanced. Every form and link still works without this script; with it, messages
// are sent and updated in place and arrive live. Each concern is a module in ./chat/:
//   page.js      the page's root, configuration and message lists, shared by the others
//   message.js   one message: the reader's part of a server-drawn copy, and redrawing it in place
//   stream.js    putting messages in order, live changes, older history, where the page opens
//   composer.js  the message boxes; mentions.js their member type-ahead (../combobox.js)
//   thread.js    the thread pane          popover.js  the stamp picker and "…" menu, from the server
//   forms.js     forms on a message        menu.js     edit, delete, copy link
//   stamps.js    who pressed a stamp       unread.js   reading position and sidebar badges
//   typing.js    「入力中」                  net.js      requests to the page's own URLs

import { atNewest, config, connection, root } from "./chat/page.js";
import { focusOnOpen, setUpComposer } from "./chat/composer.js";
import { setUpPeoplePicker } from "./chat/mentions.js";
import { copyLink, deleteMessage, startEdit } from "./chat/menu.js";
import { closePopover, isOpen, openPopover } from "./chat/popover.js";
import { submitInPlace } from "./chat/forms.js";
import { showReactions } from "./chat/stamps.js";
import { loadOlder, onStreamEvent, openAtReadingPosition } from "./chat/stream.js";
import { closeOnEscape, closeThread, onPaneComposer, openThread } from "./chat/thread.js";
import { keepTypingFresh, onTyping } from "./chat/typing.js";
import { onUnreadEvent } from "./chat/unread.js";

// What a click on a link or button inside the chat does instead of navigating.
const CLICKS = [
  ["[data-stamp-picker]", (target) => openPopover(target, "stamp-picker")],
  ["[data-message-menu]", (target) => openPopover(target, "message-menu")],
  ["[data-edit]", (target) => {
    const item = target.closest("[data-message-id]");
    closePopover();
    startEdit(target, item);
  }],
  ["[data-delete]", (target) => {
    const item = target.closest("[data-message-id]");
    closePopover();
    deleteMessage(target, item);
  }],
  ["[data-copy-link]", (target) => {
    copyLink(target);
    closePopover({ restoreFocus: true });
  }],
  ["[data-reactions]", showReactions],
  ["[data-open-thread]", (target) => openThread(target.href)],
  ["[data-close-thread]", () => closeThread()],
  ["[data-older]", loadOlder],
  ["[data-disclose]", (target) => {
    const panel = document.getElementById(target.dataset.disclose);
    panel.toggleAttribute("data-open");
    panel.querySelector("input:not([type=hidden])")?.focus();
  }],
];

function onClick(event) {
  const target = event.target.closest("a, button");
  if (!target || !root.contains(target)) return;
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const action = CLICKS.find(([selector]) => target.matches(selector));
  if (!action) return;
  // The copy-link button is a plain button: nothing to prevent. Links must not navigate.
  if (target.tagName === "A") event.preventDefault();
  action[1](target);
}

// Escape closes an open popover first, then the thread pane (drawer.js closes the drawer and menu).
function onEscape(event) {
  if (event.key !== "Escape") return;
  if (isOpen()) closePopover({ restoreFocus: true });
  else closeOnEscape(event);
}

function onEvent(event) {
  if (event.type === "member.typing") onTyping(event.data || {});
  else if (["mention.created", "read.updated", "channel.notify_level"].includes(event.type)) onUnreadEvent(event);
  else onStreamEvent(event);
}

function startLive() {
  if (!config.live) return;
  import("./live.js").then((module) => {
    connection.live = module;
    document.addEventListener("kyoso:event", (event) => onEvent(event.detail));
    document.addEventListener("kyoso:connection", (event) => {
      const status = root.querySelector("[data-connection]");
      if (status) status.textContent = event.detail.state === "closed" ? config.strings.connection_lost : "";
    });
    // The page holds its channel only when it shows the newest messages; it was drawn at data-cursor.
    const cursor = Number(root.dataset.cursor) || 0;
    module.connect({ held: () => (atNewest() ? { [config.channel.id]: cursor } : {}) });
  }).catch(() => {
    // Without live updates the page still works; new messages appear on reload.
  });
}

if (root && config) {
  document.addEventListener("click", onClick);
  document.addEventListener("keydown", onEscape);
  document.addEventListener("submit", submitInPlace);
  onPaneComposer(setUpComposer);
  root.querySelectorAll("[data-composer]").forEach(setUpComposer);
  document.querySelectorAll("[data-people-form]").forEach(setUpPeoplePicker);
  openAtReadingPosition();
  focusOnOpen();
  startLive();
  keepTypingFresh();
}

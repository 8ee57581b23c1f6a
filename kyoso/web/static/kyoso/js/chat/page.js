// What every part of the chat page shares: the page's root, its configuration (chat/views/client.py)
// and where its messages are. Each part of the page is a module of its own beside this one.

export const root = document.querySelector("[data-chat]");
const configNode = document.getElementById("chat-config");
export const config = configNode ? JSON.parse(configNode.textContent) : null;
if (root && config) config.moderator = root.dataset.moderator === "1";

// The live.js module, once loaded (chat.js loads it only where the page is live).
export const connection = { live: null };

const announcer = document.querySelector("[data-live-announcer]");

// Say something to screen readers through the page's polite live region.
export function announce(text) {
  if (!announcer || !text) return;
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 50);
}

export function stream() { return root.querySelector("[data-stream]"); }
export function threadList() { return root.querySelector("[data-thread-list]"); }
export function openThreadId() {
  const pane = root.querySelector("[data-thread]");
  return pane ? Number(pane.dataset.thread) : null;
}
export function atNewest() { return root.dataset.atNewest === "1"; }
// Every copy of one message on the page: in the stream, and in the thread pane.
export function copies(id) { return root.querySelectorAll(`[data-message-id="${id}"]`); }

// The box the channel's messages scroll in (the page itself does not scroll: base.css, chat.css),
// or the page, in a window too short for the frame.
export function scroller() {
  const box = root.querySelector("[data-stream-scroll]");
  return box && getComputedStyle(box).overflowY !== "visible" ? box : document.scrollingElement;
}

export function scrollToEnd() {
  const box = scroller();
  box.scrollTop = box.scrollHeight;
}

export function nearEnd() {
  const box = scroller();
  return box.scrollTop + box.clientHeight >= box.scrollHeight - 200;
}

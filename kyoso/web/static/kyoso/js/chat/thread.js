// The thread pane: opened in place from the thread's own page (the URL changes with it, and Back
// closes it again), closed with its link or Escape.

import { getPage } from "./net.js";
import { config, root, stream } from "./page.js";

let setUpComposer = () => {};

// The pane's reply box is set up like the channel's (composer.js, given by chat.js).
export function onPaneComposer(setUp) {
  setUpComposer = setUp;
}

export async function openThread(url, { push = true } = {}) {
  const page = await getPage(url);
  const pane = page.querySelector(".chat__thread");
  if (!pane) return;
  const current = root.querySelector(".chat__thread");
  if (current) current.replaceWith(pane); else root.append(pane);
  root.classList.add("chat--thread-open");
  if (push) history.pushState({ thread: pane.dataset.thread }, "", url);
  pane.querySelectorAll("[data-composer]").forEach((form) => setUpComposer(form));
  const hash = new URL(url, window.location.href).hash;
  const target = hash === "#thread-reply" ? pane.querySelector("textarea")
    : (hash && pane.querySelector(hash)) || pane.querySelector("#thread-heading");
  target?.focus();
}

export function closeThread({ push = true, keepFocus = false } = {}) {
  const pane = root.querySelector(".chat__thread");
  if (!pane) return;
  const rootId = pane.dataset.thread;
  pane.remove();
  root.classList.remove("chat--thread-open");
  if (push) history.pushState({}, "", config.base);
  if (!keepFocus) stream().querySelector(`[data-message-id="${rootId}"]`)?.focus();
}

// Escape closes the pane from anywhere on the page, but never takes away something being written:
// not from a box that holds text (an edit, a reply), nor when another part used the key first.
export function closeOnEscape(event) {
  const pane = root.querySelector(".chat__thread");
  if (!pane || event.defaultPrevented) return;
  const target = event.target;
  if ((target.tagName === "TEXTAREA" || target.tagName === "INPUT") && target.value) return;
  event.preventDefault();
  // Focus leaves a pane that goes away for its message in the channel; elsewhere it stays.
  const inPane = pane.contains(target) || target === document.body;
  closeThread({ keepFocus: !inPane });
}

window.addEventListener("popstate", () => {
  if (!root) return;
  if (/\/threads\/\d+\/$/.test(window.location.pathname)) openThread(window.location.href, { push: false });
  else closeThread({ push: false });
});

// The popovers under a message: the stamp picker and the "…" menu. Each button is a link to a page
// that works without JavaScript (chat/stamp_picker.html, chat/actions.html); here the same template
// opens in place instead (chat/_stamp_picker.html, chat/_message_menu.html), asked from the server,
// which knows what this member may do with this message.

import { fromHtml, getHtml } from "./net.js";
import { placeOf } from "./message.js";

let shown = null; // the open panel
let asked = 0;

// The button that opened a panel: found each time, as the message may have been redrawn since
// (message.js swap() moves an open panel into the new copy).
function opener(panel) {
  return panel.parentElement?.querySelector(`[data-${panel.dataset.for}]`) || null;
}

function current() {
  if (shown && !shown.isConnected) shown = null;
  return shown;
}

export function isOpen() {
  return current() !== null;
}

export function closePopover({ restoreFocus = false } = {}) {
  const panel = current();
  if (!panel) return;
  const button = opener(panel);
  shown = null;
  panel.remove();
  button?.setAttribute("aria-expanded", "false");
  if (restoreFocus) button?.focus();
}

// ``kind`` is the trigger's data attribute without "data-": "stamp-picker" or "message-menu".
export async function openPopover(trigger, kind) {
  const open = current();
  const wasOpen = open && opener(open) === trigger;
  closePopover();
  if (wasOpen) return;
  const ticket = ++asked;
  const itemId = trigger.closest("[data-message-id]").id;
  const url = new URL(trigger.href, window.location.href);
  if (placeOf(trigger) === "thread") url.searchParams.set("in_thread", "1");
  let panel = null;
  try {
    panel = fromHtml(await getHtml(url));
  } catch {
    window.location.assign(trigger.href); // the page version still works
    return;
  }
  // The message may have been redrawn while the server answered: open under its new copy.
  const button = trigger.isConnected ? trigger : document.getElementById(itemId)?.querySelector(`[data-${kind}]`);
  if (ticket !== asked || !panel || !button) return;
  panel.dataset.for = kind;
  panel.querySelectorAll("[data-needs-clipboard]").forEach((line) => {
    if (navigator.clipboard) line.hidden = false;
    else line.remove();
  });
  button.closest(".message__actions").append(panel);
  button.setAttribute("aria-expanded", "true");
  shown = panel;
  panel.querySelector("button, a")?.focus();
}

document.addEventListener("pointerdown", (event) => {
  const panel = current();
  if (panel && !panel.contains(event.target) && !opener(panel)?.contains(event.target)) closePopover();
});

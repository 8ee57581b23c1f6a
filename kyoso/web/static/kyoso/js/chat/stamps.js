// Who pressed which stamp: the server's list (chat/_reactions.html) in a dialog. Pressing a stamp is
// a form on the message (forms.js), and its picker a popover (popover.js).

import { getHtml } from "./net.js";
import { config } from "./page.js";

let dialog = null;

export async function showReactions(link) {
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

// A stamp pressed or taken back, heard live: the reader's own press changes only when it was theirs.
export function pressedAfter(state, event) {
  const data = event.data;
  if (data.member_id !== config.me) return state;
  const pressed = new Set(state.pressed);
  if (event.type === "reaction.added") pressed.add(String(data.stamp_id));
  else pressed.delete(String(data.stamp_id));
  return { ...state, pressed };
}

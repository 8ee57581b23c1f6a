// What the "…" menu does in place: edit a message inline, delete it, copy its link.

import { getPage, send } from "./net.js";
import { announce, config } from "./page.js";
import { replaceCopy } from "./forms.js";
import { pillsOf, shownNames, toMarkup, toPills } from "./mentions.js";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

// The editor takes the place of the message's text until it is saved or cancelled. The text to edit
// comes from the edit page (chat/edit.html), the same one that works without JavaScript.
export async function startEdit(link, item) {
  if (!item) return;
  const body = item.querySelector(".message__body");
  if (!body || item.querySelector(".message__editor")) return;
  const page = await getPage(link.href);
  const source = page.querySelector("textarea[name=text]");
  const form = element("form", "message__editor");
  const label = element("label", "visually-hidden", config.strings.edit_label);
  label.htmlFor = `edit-${item.dataset.messageId}`;
  const textarea = element("textarea", "composer__text");
  textarea.id = label.htmlFor;
  textarea.name = "text";
  // Mentions read as pills with the names the message shows now, as in the message box.
  textarea.value = toPills(source ? source.value : "", pillsOf(textarea), shownNames(item));
  const error = element("p", "composer__error");
  error.setAttribute("role", "alert");
  const save = element("button", "button button--primary button--sm", config.strings.save);
  save.type = "submit";
  const cancel = element("button", "button button--secondary button--sm", config.strings.cancel);
  cancel.type = "button";
  const bar = element("div", "composer__bar");
  bar.append(save, cancel);
  form.append(label, textarea, error, bar);
  body.hidden = true;
  body.after(form);
  textarea.focus();
  // The message may have been redrawn meanwhile (a stamp, live): the editor moves with it (swap).
  const current = () => form.closest("[data-message-id]") || item;
  const stop = () => {
    const owner = current();
    form.remove();
    const shown = owner.querySelector(".message__body");
    if (shown) shown.hidden = false;
    owner.focus();
  };
  cancel.addEventListener("click", stop);
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Escape") stop();
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) form.requestSubmit();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const data = await send(link.href, { text: toMarkup(textarea.value, pillsOf(textarea)) });
      const owner = current();
      form.remove(); // saved: the editor closes rather than moving to the new copy
      replaceCopy(owner, data.html)?.focus();
    } catch (failure) {
      error.textContent = failure.memberMessage || config.strings.failed;
      textarea.focus();
    }
  });
}

export async function deleteMessage(link, item) {
  if (!item || !window.confirm(config.strings.confirm_delete)) return;
  try {
    const data = await send(link.href, {});
    const copy = item.isConnected ? item : document.getElementById(item.id);
    if (copy) replaceCopy(copy, data.html)?.focus();
    announce(data.notice);
  } catch (failure) {
    announce(failure.memberMessage || config.strings.failed);
  }
}

export function copyLink(button) {
  navigator.clipboard.writeText(new URL(button.dataset.copyLink, window.location.origin).href)
    .then(() => announce(config.strings.copied));
}

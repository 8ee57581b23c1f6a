// The message boxes (the channel's and the thread pane's): Enter sends, Shift+Enter is a new line,
// "@" opens the member type-ahead, chosen files are named, and the sent message appears at once.

import { format, fromHtml, send } from "./net.js";
import { atNewest, config, root, scrollToEnd, stream, threadList } from "./page.js";
import { pillsOf, setUpMentions, toMarkup } from "./mentions.js";
import { insertInto } from "./stream.js";
import { noteTyping } from "./typing.js";

// When a channel opens its message box has the focus, as in other chat tools, unless the address
// points at something to read first: a message (#m-…, ?message=…, ?around=…) or a thread. Not on
// a touch screen, where a focused box would open the keyboard over the messages.
export function focusOnOpen() {
  const box = document.getElementById("composer-text");
  if (!box || root.querySelector(".chat__thread")) return;
  const url = new URL(window.location.href);
  if (url.hash && url.hash !== `#${box.id}`) return;
  if (url.searchParams.has("message") || url.searchParams.has("around")) return;
  if (window.matchMedia("(pointer: coarse)").matches) return;
  box.focus({ preventScroll: true });
}

export function setUpComposer(form) {
  if (form.dataset.ready) return;
  form.dataset.ready = "1";
  const textarea = form.querySelector("textarea");
  const error = form.querySelector("[data-composer-error]");
  const files = form.querySelector("[data-composer-files]");
  const chosen = form.querySelector("[data-composer-chosen]");
  const mentions = setUpMentions(textarea);

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
    noteTyping(textarea.value);
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
      // The box shows mentions as pills (「@山田 花子」); the server reads them as markup.
      const body = new FormData(form);
      body.set(textarea.name, toMarkup(textarea.value, pillsOf(textarea)));
      const data = await send(form.action, body);
      textarea.value = "";
      pillsOf(textarea).clear();
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

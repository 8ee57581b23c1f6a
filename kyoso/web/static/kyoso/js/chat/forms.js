// The forms on a message (a stamp, あとで読む, pin) and the thread's follow button, sent in place:
// the server answers with the message drawn again for this member (chat/views/_common.py).

import { fromHtml, send } from "./net.js";
import { announce, config, root } from "./page.js";
import { closePopover } from "./popover.js";
import { stateOf, swap } from "./message.js";
import { setMuted } from "./unread.js";

// Put the server's answer (this message, drawn for this member) in place of its copy, keeping what
// else the member has open in it.
export function replaceCopy(oldNode, html) {
  const fresh = fromHtml(html);
  return fresh ? swap(oldNode, fresh, stateOf(fresh)) : null;
}

export async function submitInPlace(event) {
  const form = event.target.closest("form[data-enhance]");
  if (!form || !root.contains(form)) return;
  event.preventDefault();
  const submitter = event.submitter;
  const fields = new FormData(form, submitter);
  try {
    const data = await send(form.action, fields);
    if (form.hasAttribute("data-notify-level")) {
      setMuted(data.channel_id, data.notify_level);
    } else if (form.hasAttribute("data-follow")) {
      const button = form.querySelector("button");
      button.setAttribute("aria-pressed", String(data.following));
      button.textContent = data.following ? config.strings.following : config.strings.follow;
    } else if (data.html) {
      const item = form.closest("[data-message-id]");
      const fromPopover = Boolean(form.closest(".popover"));
      const wasPicker = Boolean(form.closest(".stamp-picker__panel"));
      if (fromPopover) closePopover();
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
}

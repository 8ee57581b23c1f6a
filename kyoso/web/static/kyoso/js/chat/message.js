// One message on the page. The server draws every message with one template (chat/_message.html):
// for the page, as its reader sees it; in a live event (kyoso/chat/rendering.py), once for everyone
// who hears it. personalize() adds the reader's own part to the second, so that a message that
// arrived live is the same markup as after a reload; swap() puts a redrawn copy in place of the old
// one, keeping what the member was doing with it.

import { config } from "./page.js";

// The reader's part of a message: which stamps they pressed, and whether it is in their あとで読む.
export function stateOf(item) {
  const pressed = new Set();
  item.querySelectorAll("button.stamp[aria-pressed=true]").forEach((button) => pressed.add(button.dataset.stampId));
  return { pressed, saved: item.hasAttribute("data-saved") };
}

function token() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

// Make a message drawn for nobody in particular the reader's: their form token, their pressed stamps,
// what they may do (stamp, reply in a thread), their saved mark. Running it again changes nothing.
export function personalize(item, { pressed = new Set(), saved = false } = {}) {
  item.querySelectorAll("form[method=post]").forEach((form) => {
    if (form.querySelector("input[name=csrfmiddlewaretoken]")) return;
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrfmiddlewaretoken";
    input.value = token();
    form.prepend(input);
  });
  item.querySelectorAll("button.stamp[data-stamp-id]").forEach((button) => {
    const mine = pressed.has(button.dataset.stampId);
    button.setAttribute("aria-pressed", String(mine));
    button.classList.toggle("stamp--mine", mine);
    if (!config.canStamp) button.disabled = true;
  });
  if (!config.canStamp) item.querySelector("[data-stamp-picker]")?.remove();
  if (config.composer !== "post") item.querySelector(".message__actions [data-open-thread]")?.remove();
  item.toggleAttribute("data-saved", saved);
  item.classList.toggle("message--mentions-me", mentionsMe(item));
  return item;
}

// A message that names the reader (a pill of theirs) or everyone (@channel), by someone else: the
// server marks it on the page (chat/_message.html); a copy drawn for nobody is marked here.
function mentionsMe(item) {
  if (!config.me || Number(item.dataset.authorId) === config.me) return false;
  if (item.classList.contains("message--deleted")) return false;
  return item.hasAttribute("data-mentions-all")
    || Boolean(item.querySelector(`.message__body .mention[data-member-id="${config.me}"]`));
}

// The copy of a message that an event carries for one place ("stream" or "thread"), in the page's
// language; null when the event has none.
export function drawn(data, place) {
  const fragments = data.fragments || {};
  const inLanguage = fragments[document.documentElement.lang] || Object.values(fragments)[0];
  const html = inLanguage && inLanguage[place];
  if (!html) return null;
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

export function placeOf(item) {
  return item.closest("[data-thread-list]") ? "thread" : "stream";
}

// The same control in the redrawn copy, for the keyboard to stay where it was. A control in an open
// popover (which the old copy takes with it) maps to the button that opened it.
const KEYS = ["data-stamp-id", "data-stamp-picker", "data-message-menu", "data-reactions", "data-open-thread"];
function counterpart(fresh, element) {
  const popover = element.closest(".popover");
  const control = popover ? popover.parentElement.querySelector(`[data-${popover.dataset.for}]`) : element;
  const key = control && KEYS.find((name) => control.hasAttribute(name));
  if (!key) return fresh;
  const value = control.getAttribute(key);
  return fresh.querySelector(value ? `[${key}="${CSS.escape(value)}"]` : `[${key}]`) || fresh;
}

// Put ``fresh`` (personalized with ``state``) in place of ``old``. What the member had open in the
// old copy moves to the new one (an edit being written, the stamp picker or "…" menu), and the focus
// stays on the same control.
export function swap(old, fresh, state = stateOf(old)) {
  personalize(fresh, state);
  const focused = old.contains(document.activeElement) ? document.activeElement : null;
  const editor = old.querySelector(".message__editor");
  const popover = old.querySelector(".popover");
  old.replaceWith(fresh);
  const body = fresh.querySelector(".message__body");
  const actions = fresh.querySelector(".message__actions");
  const kept = [];
  if (editor && body) {
    body.hidden = true;
    body.after(editor);
    kept.push(editor);
  }
  if (popover && actions) {
    actions.append(popover);
    actions.querySelector(`[data-${popover.dataset.for}]`)?.setAttribute("aria-expanded", "true");
    kept.push(popover);
  }
  if (!focused) return fresh;
  if (kept.some((part) => part.contains(focused))) focused.focus();
  else counterpart(fresh, focused).focus();
  return fresh;
}

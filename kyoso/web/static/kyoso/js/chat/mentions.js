// People type-ahead: "@" + a name, kana or organisation in the message box inserts a mention; the
// invitation form picks members the same way. Both are the page's one combobox (../combobox.js),
// with Tab choosing too and ↑ ↓ going round.
//
// A message box shows a mention as its pill text (「@山田 花子」), never as the markup the server
// keeps and the API speaks (`@[山田 花子](member:12)`). Each box keeps a map from the pill texts it
// holds to member ids: toMarkup() turns them into markup when the text is sent, and toPills() turns
// markup into pill texts when a text comes back to be edited.

import { combobox, part } from "../combobox.js";
import { config } from "./page.js";

const MARKUP = /@\[([^[\]\x00-\x1f\x7f]{1,100})\]\(member:([1-9][0-9]{0,17})\)/gu;
const UNSAFE = /[[\]\x00-\x1f\x7f]/gu;
const boxes = new WeakMap();

// The pill texts in one message box, and the member each stands for.
export function pillsOf(textarea) {
  if (!boxes.has(textarea)) boxes.set(textarea, new Map());
  return boxes.get(textarea);
}

// The text a member's pill reads in this box. Two members of one name (two 山田 in different towns)
// get two texts: the second is told apart by their organisation.
function pillFor(pills, id, name, affiliation) {
  const candidates = [`@${name}`, `@${name}（${affiliation || id}）`, `@${name}（${id}）`];
  const text = candidates
    .map((candidate) => candidate.replace(UNSAFE, "").slice(0, 101))
    .find((candidate) => !pills.has(candidate) || pills.get(candidate) === id);
  pills.set(text, id);
  return text;
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// The text with every pill this box inserted turned into the markup the server reads.
export function toMarkup(text, pills) {
  if (!pills.size) return text;
  const texts = [...pills.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_@])(?:${texts.join("|")})`, "gu");
  return text.replace(pattern, (pill) => `@[${pill.slice(1)}](member:${pills.get(pill)})`);
}

// Markup as pill texts, remembered in ``pills``. ``names`` (id → name) are the names the page shows
// now, where known: the name in the markup is only what was typed when the mention was made.
export function toPills(text, pills, names = new Map()) {
  return text.replace(MARKUP, (markup, typed, id) => pillFor(pills, Number(id), names.get(Number(id)) || typed));
}

// The current names of the members a drawn message names (from its pills), by id.
export function shownNames(item) {
  const names = new Map();
  item?.querySelectorAll(".message__body .mention[data-member-id]").forEach((pill) => {
    const name = pill.firstChild?.textContent?.replace(/^@/, "");
    if (name) names.set(Number(pill.dataset.memberId), name);
  });
  return names;
}

async function findPeople(query, signal, channelId) {
  const url = new URL(config.people_url, window.location.origin);
  url.searchParams.set("q", query);
  if (channelId) url.searchParams.set("channel", channelId);
  const response = await fetch(url, { credentials: "same-origin", signal });
  if (!response.ok) return [];
  const data = await response.json();
  return data.members || [];
}

function peopleBox(input, listbox, settings) {
  return combobox(input, listbox, {
    find: (query, signal) => findPeople(query, signal, input.dataset.channelId),
    render: (person) => [
      person.name,
      ...(person.affiliation ? [part("span", "typeahead__hint", `（${person.affiliation}）`)] : []),
    ],
    optionClass: "typeahead__option",
    emptyText: config.strings.no_match,
    wrap: true,
    highlightFirst: true,
    tabChooses: true,
    arrowOpens: false,
    blurDelay: 150,
    ...settings,
  });
}

// The "@query" just before the caret, or null when the caret is not in a mention being typed.
function mentionAt(textarea) {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = before.match(/(^|[\s　(（「])@([^\s@\[\]()]{1,30})$/u);
  return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
}

export function setUpMentions(textarea) {
  const listbox = document.getElementById(textarea.getAttribute("aria-controls"));
  if (!listbox) return null;
  let pending = null;
  const box = peopleBox(textarea, listbox, {
    query: () => (pending ? pending.query : null),
    choose: (person) => {
      if (!pending) return;
      const { start } = pending;
      const end = textarea.selectionStart;
      const insert = `${pillFor(pillsOf(textarea), person.id, person.name, person.affiliation)} `;
      textarea.value = textarea.value.slice(0, start) + insert + textarea.value.slice(end);
      const caret = start + insert.length;
      textarea.setSelectionRange(caret, caret);
      textarea.focus();
      pending = null;
    },
  });
  textarea.addEventListener("input", () => {
    pending = mentionAt(textarea);
    box.update();
  });
  // A draft given back by the server (a failed post without JavaScript) reads as pills too.
  textarea.value = toPills(textarea.value, pillsOf(textarea));
  return box;
}

// A pill's organisation card shows on hover and focus; Escape hides it without moving either
// (WCAG 1.4.13), and it comes back the next time.
function closeCard(event) {
  if (event.key !== "Escape") return;
  const open = [document.activeElement, ...document.querySelectorAll(".mention:hover")]
    .filter((node) => node?.matches?.(".mention") && node.querySelector(".mention__org") && !node.hasAttribute("data-card-closed"));
  if (!open.length) return;
  open.forEach((pill) => {
    pill.setAttribute("data-card-closed", "");
    const reopen = () => pill.removeAttribute("data-card-closed");
    pill.addEventListener("blur", reopen, { once: true });
    pill.addEventListener("mouseleave", reopen, { once: true });
  });
  // Only the card closes: not the thread pane or a menu behind it.
  event.stopPropagation();
}
window.addEventListener("keydown", closeCard, true);

export function setUpPeoplePicker(form) {
  const input = form.querySelector("[data-people-input]");
  const listbox = document.getElementById(input.getAttribute("aria-controls"));
  const chosen = form.querySelector("[data-people-chosen]");
  const box = peopleBox(input, listbox, {
    choose: (person) => {
      if (form.querySelector(`input[name=member][value="${person.id}"]`)) return;
      const item = part("li", "chip", person.name);
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = "member";
      field.value = person.id;
      const remove = part("button", "button button--text button--xs", config.strings.remove);
      remove.type = "button";
      remove.setAttribute("aria-label", `${config.strings.remove}: ${person.name}`);
      remove.addEventListener("click", () => {
        item.remove();
        input.focus();
      });
      item.append(field, " ", remove);
      chosen.append(item);
      input.value = "";
      input.focus();
    },
  });
  input.addEventListener("input", box.update);
  form.addEventListener("submit", (event) => {
    if (!form.querySelector("input[name=member]")) event.preventDefault();
  });
  return box;
}

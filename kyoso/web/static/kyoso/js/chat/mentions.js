// People type-ahead: "@" + a name, kana or organisation in the message box inserts a mention; the
// invitation form picks members the same way. Both are the page's one combobox (../combobox.js),
// with Tab choosing too and ↑ ↓ going round.

import { combobox, part } from "../combobox.js";
import { config } from "./page.js";

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
      const insert = `${person.mention} `;
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
  return box;
}

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

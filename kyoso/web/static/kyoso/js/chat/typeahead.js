// People type-ahead: "@" + a name, kana or organisation in the message box inserts a mention;
// the invitation form picks members the same way. Both are ARIA comboboxes driven by the keyboard
// (↑ ↓ to move, Enter or Tab to choose, Esc to close).

import { format } from "./net.js";

const DEBOUNCE_MS = 120;

async function findPeople(config, query, channelId) {
  const url = new URL(config.people_url, window.location.origin);
  url.searchParams.set("q", query);
  if (channelId) url.searchParams.set("channel", channelId);
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) return [];
  const data = await response.json();
  return data.members || [];
}

function combobox(input, listbox, config, onChoose) {
  let options = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  function close() {
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function highlight(index) {
    const items = listbox.querySelectorAll("[role=option]");
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    }
  }

  function show(people) {
    options = people;
    listbox.replaceChildren();
    if (people.length === 0) {
      const empty = document.createElement("li");
      empty.className = "typeahead__option typeahead__hint";
      empty.textContent = config.strings.no_match;
      listbox.append(empty);
    }
    people.forEach((person, i) => {
      const item = document.createElement("li");
      item.id = `${listbox.id}-${i}`;
      item.className = "typeahead__option";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.textContent = person.name;
      if (person.affiliation) {
        const hint = document.createElement("span");
        hint.className = "typeahead__hint";
        hint.textContent = `（${person.affiliation}）`;
        item.append(hint);
      }
      // mousedown, not click: the box keeps its focus and caret.
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      listbox.append(item);
    });
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
    if (people.length) highlight(0);
  }

  function choose(index) {
    const person = options[index];
    if (!person) return;
    close();
    onChoose(person);
  }

  function lookup(query) {
    clearTimeout(timer);
    if (query === null) {
      close();
      return;
    }
    timer = setTimeout(async () => {
      const ticket = ++asked;
      const people = await findPeople(config, query, input.dataset.channelId);
      if (ticket === asked) show(people);
    }, DEBOUNCE_MS);
  }

  input.addEventListener("keydown", (event) => {
    if (listbox.hidden || event.isComposing) return;
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      highlight((active + 1) % options.length);
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      highlight((active - 1 + options.length) % options.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      event.stopImmediatePropagation();
      choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  return { lookup, close, isOpen: () => !listbox.hidden };
}

// The "@query" just before the caret, or null when the caret is not in a mention being typed.
function mentionQuery(textarea) {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = before.match(/(^|[\s　(（「])@([^\s@\[\]()]{1,30})$/u);
  return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
}

export function setUpMentions(textarea, config) {
  const listbox = document.getElementById(textarea.getAttribute("aria-controls"));
  if (!listbox) return null;
  let pending = null;
  const box = combobox(textarea, listbox, config, (person) => {
    if (!pending) return;
    const { start } = pending;
    const end = textarea.selectionStart;
    const insert = `${person.mention} `;
    textarea.value = textarea.value.slice(0, start) + insert + textarea.value.slice(end);
    const caret = start + insert.length;
    textarea.setSelectionRange(caret, caret);
    textarea.focus();
    pending = null;
  });
  textarea.addEventListener("input", () => {
    pending = mentionQuery(textarea);
    box.lookup(pending ? pending.query : null);
  });
  return box;
}

export function setUpPeoplePicker(form, config) {
  const input = form.querySelector("[data-people-input]");
  const listbox = document.getElementById(input.getAttribute("aria-controls"));
  const chosen = form.querySelector("[data-people-chosen]");
  const box = combobox(input, listbox, config, (person) => {
    if (form.querySelector(`input[name=member][value="${person.id}"]`)) return;
    const item = document.createElement("li");
    item.className = "chip";
    item.textContent = person.name;
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "member";
    field.value = person.id;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button button--text button--xs";
    remove.textContent = config.strings.remove;
    remove.setAttribute("aria-label", `${config.strings.remove}: ${person.name}`);
    remove.addEventListener("click", () => {
      item.remove();
      input.focus();
    });
    item.append(field, " ", remove);
    chosen.append(item);
    input.value = "";
    input.focus();
  });
  input.addEventListener("input", () => box.lookup(input.value.trim() || null));
  form.addEventListener("submit", (event) => {
    if (!form.querySelector("input[name=member]")) event.preventDefault();
  });
  return box;
}

export { format };

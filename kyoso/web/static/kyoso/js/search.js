// The filter type-ahead of the search box: a combobox (combobox.js) over /search/suggest/.
//
// It helps with the word under the caret only. Typing "pr" offers "pref:"; after "pref:" (or "in:#",
// "from:@", "size:" …) it offers values. ArrowDown/ArrowUp move through the suggestions, Enter takes
// the highlighted one (Enter with nothing highlighted searches, as it would without JavaScript),
// Escape closes the list. Without JavaScript the box is a plain search field.

import { combobox, part } from "./combobox.js";

const FILTER = /^-?([a-z]+):(.*)$/i;

function wordAt(input) {
  const caret = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, caret);
  const start = Math.max(before.lastIndexOf(" "), before.lastIndexOf("\u3000")) + 1;
  let end = input.value.slice(caret).search(/[ \u3000]/);
  end = end < 0 ? input.value.length : caret + end;
  return { start, end, word: input.value.slice(start, end) };
}

function request(input) {
  const word = wordAt(input).word;
  const filter = FILTER.exec(word);
  if (filter) return { field: filter[1].toLowerCase(), q: filter[2] };
  // A bare ASCII word may be the start of a filter name ("pr" → "pref:").
  if (/^-?[a-z]{1,6}$/i.test(word)) return { field: "", q: word.replace(/^-/, "") };
  return null;
}

function setUp(root) {
  const input = root.querySelector("input[type=search]");
  const listbox = root.querySelector("[role=listbox]");
  const status = root.closest("form").querySelector("[data-suggest-status]");
  const url = root.dataset.suggestUrl;
  if (!input || !listbox || !url) return;

  const box = combobox(input, listbox, {
    query: request,
    find: async (wanted, signal) => {
      const response = await fetch(`${url}?${new URLSearchParams(wanted)}`, {
        signal,
        headers: { Accept: "application/json" },
      });
      return response.ok ? response.json() : [];
    },
    render: (option) => [
      part("span", "search-suggest__label", option.label),
      ...(option.hint ? [part("span", "search-suggest__hint", option.hint)] : []),
    ],
    choose: (option) => {
      const { start, end, word } = wordAt(input);
      const negated = word.startsWith("-") && !option.value.startsWith("-") ? "-" : "";
      // A filter name ("in:#") waits for its value; a complete filter is followed by a space.
      const open = /[:#@]$/.test(option.value);
      const text = negated + option.value + (open ? "" : " ");
      const rest = input.value.slice(end).replace(/^[ \u3000]+/, "");
      input.value = input.value.slice(0, start) + text + rest;
      const caret = start + text.length;
      input.setSelectionRange(caret, caret);
      if (open) box.search();
    },
    optionClass: "search-suggest__option",
    status,
    statusText: (count) => (count ? `${count} ${root.dataset.foundText}` : ""),
  });
  input.addEventListener("input", box.update);
}

document.querySelectorAll("[data-search-typeahead]").forEach(setUp);

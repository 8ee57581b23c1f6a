// The filter type-ahead of the search box: an ARIA combobox over /search/suggest/.
//
// It helps with the word under the caret only. Typing "pr" offers "pref:"; after "pref:" (or "in:#",
// "from:@", "size:" …) it offers values. ArrowDown/ArrowUp move through the suggestions, Enter takes
// the highlighted one (Enter with nothing highlighted searches, as it would without JavaScript),
// Escape closes the list. Without JavaScript the box is a plain search field.

const DEBOUNCE_MS = 120;
const FILTER = /^-?([a-z]+):(.*)$/i;

function wordAt(input) {
  const caret = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, caret);
  const start = Math.max(before.lastIndexOf(" "), before.lastIndexOf("\u3000")) + 1;
  let end = input.value.slice(caret).search(/[ \u3000]/);
  end = end < 0 ? input.value.length : caret + end;
  return { start, end, word: input.value.slice(start, end) };
}

function request(word) {
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

  let options = [];
  let active = -1;
  let timer = null;
  let controller = null;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", listbox.id);
  input.setAttribute("aria-expanded", "false");

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const items = listbox.querySelectorAll("[role=option]");
    items.forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0 && items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(index) {
    const chosen = options[index];
    if (!chosen) return;
    const { start, end, word } = wordAt(input);
    const negated = word.startsWith("-") && !chosen.value.startsWith("-") ? "-" : "";
    // A filter name ("in:#") waits for its value; a complete filter is followed by a space.
    const open = /[:#@]$/.test(chosen.value);
    const text = negated + chosen.value + (open ? "" : " ");
    const rest = input.value.slice(end).replace(/^[ \u3000]+/, "");
    input.value = input.value.slice(0, start) + text + rest;
    const caret = start + text.length;
    input.setSelectionRange(caret, caret);
    close();
    if (open) search();
  }

  function render() {
    listbox.replaceChildren();
    options.forEach((option, i) => {
      const item = document.createElement("li");
      item.id = `${listbox.id}-${i}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.className = "search-suggest__option";
      const label = document.createElement("span");
      label.className = "search-suggest__label";
      label.textContent = option.label;
      item.append(label);
      if (option.hint) {
        const hint = document.createElement("span");
        hint.className = "search-suggest__hint";
        hint.textContent = option.hint;
        item.append(hint);
      }
      // mousedown, not click: it fires before the input loses focus and closes the list.
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(i);
      });
      listbox.append(item);
    });
    const open = options.length > 0;
    listbox.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (status) status.textContent = open ? `${options.length} ${root.dataset.foundText}` : "";
    active = -1;
  }

  async function search() {
    const wanted = request(wordAt(input).word);
    if (!wanted) {
      options = [];
      close();
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    const params = new URLSearchParams(wanted);
    try {
      const response = await fetch(`${url}?${params}`, {
        signal: controller.signal,
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      options = await response.json();
      render();
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const open = !listbox.hidden;
    if (event.isComposing) return; // the IME is choosing kanji: its keys are not ours
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) {
        search();
        return;
      }
      highlight(Math.min(active + 1, options.length - 1));
    } else if (event.key === "ArrowUp" && open) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", () => close());
}

document.querySelectorAll("[data-search-typeahead]").forEach(setUp);

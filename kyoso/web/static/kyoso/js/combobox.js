// One ARIA combobox for every type-ahead of kyoso: the organisation of 参加登録, the search box's
// filters (in:#channel, pref: …), and members (@mentions in the message box, the invitation form).
//
//   const box = combobox(input, listbox, { query, find, render, choose, ... });
//   input.addEventListener("input", box.update);
//
// ↑ ↓ move through the options (aria-activedescendant, aria-selected), Enter (and Tab where asked)
// takes the highlighted one, Esc closes the list; aria-expanded tells whether it is open. A live
// region, where the page has one, says how many options there are. While an IME is converting, its
// keys are left alone. Options are chosen with mousedown, which keeps the input's focus and caret.
//
// The page's words come from the caller; without JavaScript the input is a plain field.

const DEFAULTS = {
  query: (input) => input.value.trim() || null, // what to look up now, or null to close
  find: async () => [], // (query, signal) => the options
  render: () => [], // (option) => the nodes shown in its <li>
  choose: () => {}, // (option) => fill the input
  optionClass: "combobox__option",
  status: null, // the live region for counts
  statusText: () => "", // (count) => what it says
  emptyText: "", // a line shown when nothing matched (the list then stays open), or "" to close
  wrap: false, // ↑ ↓ go round from the last option to the first
  highlightFirst: false, // open with the first option highlighted (Enter takes it)
  tabChooses: false,
  arrowOpens: true, // ↓ on a closed list looks up at once
  delay: 120,
  blurDelay: 0,
};

export function combobox(input, listbox, settings) {
  const o = { ...DEFAULTS, ...settings };
  let options = [];
  let active = -1;
  let timer = null;
  let controller = null;

  // ARIA's combobox is a one-line input. A <textarea> (the message box) stays a textbox: it takes
  // aria-autocomplete and aria-activedescendant, but neither the combobox role nor aria-expanded.
  const oneLine = input.tagName !== "TEXTAREA";
  const expanded = (open) => { if (oneLine) input.setAttribute("aria-expanded", String(open)); };
  if (oneLine) input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", listbox.id);
  expanded(false);

  const isOpen = () => !listbox.hidden;

  function close() {
    listbox.hidden = true;
    expanded(false);
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

  function take(index) {
    const chosen = options[index];
    if (!chosen) return;
    close();
    o.choose(chosen);
  }

  function show(found) {
    options = found;
    listbox.replaceChildren();
    if (found.length === 0 && o.emptyText) {
      const empty = document.createElement("li");
      empty.className = `${o.optionClass} typeahead__hint`;
      empty.textContent = o.emptyText;
      listbox.append(empty);
    }
    found.forEach((option, i) => {
      const item = document.createElement("li");
      item.id = `${listbox.id}-${i}`;
      item.className = o.optionClass;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.append(...o.render(option));
      item.addEventListener("mousedown", (event) => {
        event.preventDefault();
        take(i);
      });
      listbox.append(item);
    });
    const open = found.length > 0 || Boolean(o.emptyText);
    listbox.hidden = !open;
    expanded(open);
    if (o.status) o.status.textContent = o.statusText(found.length);
    active = -1;
    if (o.highlightFirst && found.length) highlight(0);
  }

  // Look up at once; an answer that comes after a newer question is dropped.
  async function search() {
    clearTimeout(timer);
    const wanted = o.query(input);
    if (controller) controller.abort();
    if (wanted === null) {
      options = [];
      close();
      return;
    }
    controller = new AbortController();
    const { signal } = controller;
    try {
      const found = await o.find(wanted, signal);
      if (!signal.aborted) show(found || []);
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  }

  // Look up once the member pauses typing; close at once when there is nothing to look up.
  function update() {
    clearTimeout(timer);
    if (o.query(input) === null) {
      search();
      return;
    }
    timer = setTimeout(search, o.delay);
  }

  function move(step) {
    if (!options.length) return;
    const next = o.wrap ? (active + step + options.length) % options.length
      : Math.min(Math.max(active + step, 0), options.length - 1);
    highlight(next);
  }

  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (!isOpen()) {
      if (event.key === "ArrowDown" && o.arrowOpens) {
        event.preventDefault();
        search();
      }
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if ((event.key === "Enter" || (event.key === "Tab" && o.tabChooses)) && active >= 0) {
      event.preventDefault();
      event.stopImmediatePropagation(); // Enter takes the option; it does not also send the message
      take(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // closes the list, not the thread pane around it
      close();
    }
  });
  input.addEventListener("blur", () => {
    if (o.blurDelay) setTimeout(close, o.blurDelay);
    else close();
  });

  return { update, search, close, isOpen };
}

// An element with its class and text, for an option's parts.
export function part(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

// The organisation type-ahead of 参加登録: an ARIA combobox over /directory/search.
//
// Without JavaScript the input is a plain text field: the applicant types a 6-digit code or a name
// and the server resolves it. With JavaScript, choosing a suggestion fills the hidden code input, so
// the server need not guess; editing the text again clears it.

const DEBOUNCE_MS = 150;

function setUp(root) {
  const input = root.querySelector("input[type=text], input:not([type])");
  const listbox = root.querySelector("[role=listbox]");
  const status = root.querySelector("[data-combobox-status]");
  const codeInput = document.getElementById(root.dataset.codeInput);
  const url = root.dataset.searchUrl;
  if (!input || !listbox || !codeInput || !url) return;

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
    input.value = chosen.full_name;
    codeInput.value = chosen.code;
    status.textContent = `${chosen.full_name}（${chosen.code}）`;
    close();
  }

  function render() {
    listbox.replaceChildren();
    options.forEach((option, i) => {
      const item = document.createElement("li");
      item.id = `${listbox.id}-${i}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.className = "combobox__option";
      const name = document.createElement("span");
      name.className = "combobox__name";
      name.textContent = option.full_name;
      const meta = document.createElement("span");
      meta.className = "combobox__meta";
      meta.textContent = `${option.kind} · ${option.code}`;
      item.append(name, meta);
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
    // The words come from the page, in the reader's language.
    status.textContent = open ? `${options.length} ${root.dataset.foundText}` : root.dataset.noneText;
    active = -1;
  }

  async function search() {
    const query = input.value.trim();
    if (!query) {
      options = [];
      close();
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`${url}?q=${encodeURIComponent(query)}`, {
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
    codeInput.value = "";
    clearTimeout(timer);
    timer = setTimeout(search, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const open = !listbox.hidden;
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

document.querySelectorAll("[data-combobox]").forEach(setUp);

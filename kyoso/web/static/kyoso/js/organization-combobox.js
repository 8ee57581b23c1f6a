// The organisation type-ahead of 参加登録 and the profile: a combobox (combobox.js) over /directory/search.
//
// Without JavaScript the input is a plain text field: the applicant types a 6-digit code or a name
// and the server resolves it. With JavaScript, choosing a suggestion fills the hidden code input, so
// the server need not guess; editing the text again clears it.

import { combobox, part } from "./combobox.js";

async function find(url, query, signal) {
  const response = await fetch(`${url}?q=${encodeURIComponent(query)}`, {
    signal,
    headers: { Accept: "application/json" },
  });
  return response.ok ? response.json() : [];
}

function setUp(root) {
  const input = root.querySelector("input[type=text], input:not([type])");
  const listbox = root.querySelector("[role=listbox]");
  const status = root.querySelector("[data-combobox-status]");
  const codeInput = document.getElementById(root.dataset.codeInput);
  const url = root.dataset.searchUrl;
  if (!input || !listbox || !codeInput || !url) return;

  const box = combobox(input, listbox, {
    find: (query, signal) => find(url, query, signal),
    render: (option) => [part("span", "combobox__name", option.full_name), part("span", "combobox__meta", `${option.kind} · ${option.code}`)],
    choose: (option) => {
      input.value = option.full_name;
      codeInput.value = option.code;
      status.textContent = `${option.full_name}（${option.code}）`;
    },
    status,
    // The words come from the page, in the reader's language.
    statusText: (count) => (count ? `${count} ${root.dataset.foundText}` : root.dataset.noneText),
    delay: 150,
  });
  input.addEventListener("input", () => {
    codeInput.value = "";
    box.update();
  });
}

document.querySelectorAll("[data-combobox]").forEach(setUp);

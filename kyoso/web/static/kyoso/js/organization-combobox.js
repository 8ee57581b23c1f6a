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
  inferFromEmail(root, input, codeInput);
}

// 参加登録: when the address's domain belongs to exactly one organisation, fill it in, and say so.
// Only an empty field, or one this code filled, is touched: what the applicant typed stays theirs.
// Without JavaScript the server infers the same on the next step when the field is left blank.
function inferFromEmail(root, input, codeInput) {
  const email = document.getElementById(root.dataset.emailInput || "");
  const url = root.dataset.inferUrl;
  const note = root.querySelector("[data-organization-inferred]");
  if (!email || !url || !note) return;
  let filledByUs = "inferred" in root.dataset;
  input.addEventListener("input", () => {
    filledByUs = false;
    note.textContent = "";
  });

  const infer = async () => {
    if (input.value.trim() && !filledByUs) return;
    let found = null;
    try {
      const response = await fetch(`${url}?email=${encodeURIComponent(email.value)}`, {
        headers: { Accept: "application/json" },
      });
      if (response.ok) found = (await response.json()).organization;
    } catch {
      return; // the server infers on submit
    }
    if (input.value.trim() && !filledByUs) return; // they typed meanwhile
    if (found) {
      input.value = found.full_name;
      codeInput.value = found.code;
      filledByUs = true;
      note.textContent = `${root.dataset.inferredText}${found.full_name}${root.dataset.inferredHint}`;
    } else if (filledByUs) {
      input.value = "";
      codeInput.value = "";
      filledByUs = false;
      note.textContent = "";
    }
  };
  email.addEventListener("change", infer);
  if (email.value && !input.value.trim()) infer();
}

document.querySelectorAll("[data-combobox]").forEach(setUp);

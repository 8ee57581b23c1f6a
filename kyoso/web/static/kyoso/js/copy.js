// Copy buttons: <button data-copy-text="…"> or <button data-copy-target="id">, hidden until this runs
// (without JavaScript the text is still there to select). The result is said in the element named by
// data-copy-status, a polite live region. Where the clipboard cannot be written (a page served over
// plain http from another machine), the text is selected for Ctrl+C instead.

function textOf(button) {
  if (button.dataset.copyText !== undefined) return button.dataset.copyText;
  const target = document.getElementById(button.dataset.copyTarget || "");
  return target ? target.innerText.trim() : "";
}

function selectTarget(button) {
  const target = document.getElementById(button.dataset.copyTarget || button.dataset.copySelect || "");
  if (!target) return;
  const range = document.createRange();
  range.selectNodeContents(target);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

function say(button, text) {
  const status = document.getElementById(button.dataset.copyStatus || "");
  if (status) status.textContent = text;
}

async function copy(button) {
  try {
    if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
    await navigator.clipboard.writeText(textOf(button));
    say(button, button.dataset.copiedMessage || "");
  } catch {
    selectTarget(button);
    say(button, button.dataset.selectedMessage || "");
  }
}

for (const button of document.querySelectorAll("[data-copy-text], [data-copy-target]")) {
  button.hidden = false;
  button.addEventListener("click", () => copy(button));
}

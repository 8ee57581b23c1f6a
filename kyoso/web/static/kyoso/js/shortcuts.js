// Keys that work on every page: "/" jumps to search (as on GitHub or Slack), unless the member is
// typing somewhere already; Alt+↑ / Alt+↓ open the previous / next channel of the sidebar (as in
// Slack), from anywhere, the message box included. Skip links move focus without changing the URL.

function typingSomewhere(target) {
  if (!target) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

function focusSearch(event) {
  if (typingSomewhere(event.target)) return;
  const box = document.getElementById("global-search") || document.querySelector("input[type=search]");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
}

// The sidebar's channels, then its direct messages, in the order shown.
function stepChannel(event, step) {
  // Alt+↓ opens a select's list, and an open type-ahead (the mention list) has its own arrows.
  const target = event.target;
  if (target && (target.tagName === "SELECT" || target.getAttribute?.("aria-expanded") === "true")) return;
  const links = [...document.querySelectorAll("[data-sidebar-channel]")];
  if (!links.length) return;
  const current = links.findIndex((link) => link.getAttribute("aria-current") === "page");
  let next;
  if (current === -1) next = step > 0 ? 0 : links.length - 1;
  else next = current + step;
  if (next < 0 || next >= links.length) return;
  event.preventDefault();
  window.location.assign(links[next].href);
}

document.addEventListener("keydown", (event) => {
  if (event.isComposing || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
  if (event.altKey && !event.shiftKey && event.key === "ArrowUp") stepChannel(event, -1);
  else if (event.altKey && !event.shiftKey && event.key === "ArrowDown") stepChannel(event, 1);
  else if (event.key === "/" && !event.altKey) focusSearch(event);
});

document.addEventListener("click", (event) => {
  const link = event.target.closest?.(".skip-link");
  if (!link || event.button !== 0) return;
  const target = document.getElementById(link.hash.slice(1));
  if (!target) return;
  event.preventDefault();
  target.focus();
});

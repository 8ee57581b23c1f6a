// Keys that work on every page: "/" jumps to search (as on GitHub or Slack), unless the member is
// typing somewhere already.

function typingSomewhere(target) {
  if (!target) return false;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  if (typingSomewhere(event.target)) return;
  const box = document.getElementById("global-search") || document.querySelector("input[type=search]");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});

// The channel sidebar becomes a drawer on narrow screens. Without JavaScript the toggle stays
// hidden and the sidebar is simply shown below the main content (see base.css).

const toggle = document.querySelector("[data-drawer-toggle]");
const layout = document.querySelector("[data-drawer-layout]");
const drawer = toggle ? document.getElementById(toggle.getAttribute("aria-controls")) : null;

function isOpen() {
  return toggle.getAttribute("aria-expanded") === "true";
}

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
  layout.dataset.drawer = open ? "open" : "closed";
}

if (toggle && layout && drawer) {
  setOpen(false);
  toggle.hidden = false;
  toggle.addEventListener("click", () => setOpen(!isOpen()));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isOpen()) {
      setOpen(false);
      toggle.focus();
    }
  });
}

// The phone's two panels: the channel drawer (the sidebar) and the header's menu. Without
// JavaScript each is opened by a link to it (:target in base.css); here the links become buttons
// with aria-expanded. Escape, a click outside or the other panel closes an open one.

function panel({ toggleSelector, fallbackSelector, show, hide, isShown }) {
  const toggle = document.querySelector(toggleSelector);
  if (!toggle) return null;
  const target = document.getElementById(toggle.getAttribute("aria-controls"));
  if (!target) return null;
  document.querySelector(fallbackSelector)?.setAttribute("hidden", "");
  toggle.hidden = false;
  const self = {
    toggle,
    target,
    isOpen: () => toggle.getAttribute("aria-expanded") === "true",
    set(open) {
      toggle.setAttribute("aria-expanded", String(open));
      if (open) show(target); else hide(target);
    },
    shown: () => isShown(target),
  };
  self.set(false);
  return self;
}

const layout = document.querySelector("[data-drawer-layout]");
const panels = [
  panel({
    toggleSelector: "[data-drawer-toggle]",
    fallbackSelector: "[data-drawer-fallback]",
    show: () => { layout.dataset.drawer = "open"; },
    hide: () => { if (layout) layout.dataset.drawer = "closed"; },
    isShown: (target) => target.offsetParent !== null,
  }),
  panel({
    toggleSelector: "[data-menu-toggle]",
    fallbackSelector: "[data-menu-fallback]",
    show: (target) => target.setAttribute("data-open", ""),
    hide: (target) => target.removeAttribute("data-open"),
    isShown: (target) => target.hasAttribute("data-open"),
  }),
].filter(Boolean);

// A link followed without JavaScript may have left the URL on a panel: the buttons rule now.
if (panels.some(({ target }) => window.location.hash === `#${target.id}`)) {
  history.replaceState(history.state, "", window.location.pathname + window.location.search);
}

panels.forEach((current) => {
  current.toggle.addEventListener("click", () => {
    const open = !current.isOpen();
    panels.forEach((other) => { if (other !== current && other.isOpen()) other.set(false); });
    current.set(open);
    if (open) current.target.querySelector("a[aria-current], a, button, input")?.focus();
  });
});

// Escape closes the open panel and gives focus back to its button. It listens first (capture) and
// marks the key as used, so the chat page's own Escape (popovers, the thread pane) leaves it alone.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  const open = panels.find((item) => item.isOpen());
  if (!open) return;
  event.preventDefault();
  open.set(false);
  open.toggle.focus();
}, true);

document.addEventListener("click", (event) => {
  panels.forEach((item) => {
    if (item.isOpen() && !item.target.contains(event.target) && !item.toggle.contains(event.target)) item.set(false);
  });
});

// The account menu (a <details> on wide screens): Escape or a click elsewhere closes it.
const accountMenu = document.querySelector("[data-account-menu]");
if (accountMenu) {
  accountMenu.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || !accountMenu.open) return;
    event.preventDefault();
    accountMenu.open = false;
    accountMenu.querySelector("summary").focus();
  });
  document.addEventListener("click", (event) => {
    if (accountMenu.open && !accountMenu.contains(event.target)) accountMenu.open = false;
  });
}

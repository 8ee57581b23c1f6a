// A message that arrives live is drawn here from its event, in the same markup as
// chat/_message.html. Live messages are drawn in the browser (not fetched from the server) so that a
// post seen by thousands of open pages costs the server one event, not thousands of requests.

import { format } from "./net.js";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child);
  }
  return node;
}

function hidden(text) {
  return el("span", { className: "visually-hidden" }, text);
}

function timeText(iso) {
  const date = new Date(iso);
  return date.toLocaleString(document.documentElement.lang || "ja", {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
}

// A stamp's picture (drawn by kyoso, decorative: the name is written beside it) or its emoji.
function stampFace(imageUrl, emoji) {
  if (imageUrl) return el("img", { className: "stamp__image", src: imageUrl, alt: "", width: 20, height: 20 });
  if (emoji) return el("span", { className: "stamp__emoji", "aria-hidden": "true" }, emoji);
  return null;
}

function csrfInput() {
  const source = document.querySelector("input[name=csrfmiddlewaretoken]");
  return el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: source ? source.value : "" });
}

export function permalink(config, data) {
  const root = data.thread_root_id || data.id;
  return `${config.base}threads/${root}/#t-${data.id}`;
}

function messageUrl(config, id, action) {
  return `${config.base}messages/${id}/${action}/`;
}

// The bar under every message: the stamp picker, reply in thread, and the "…" menu. Each is a link to
// a page that works without JavaScript; chat.js opens them in place instead (openStampPicker, openMenu).
function actions(config, data, inThread, canPost) {
  const s = config.strings;
  const box = el("div", { className: "message__actions" });
  const name = data.author ? data.author.name : "";
  if (config.canStamp) {
    box.append(el("a", {
      className: "menu__toggle", href: messageUrl(config, data.id, "stamps"), "data-stamp-picker": true,
      "aria-haspopup": "true", title: s.stamp_button,
    }, el("span", { "aria-hidden": "true" }, "☺︎＋"), hidden(`${s.stamp_button}（${name}）`)));
  }
  if (!inThread && !data.thread_root_id && canPost) {
    box.append(el("a", {
      className: "menu__toggle", href: `${config.base}threads/${data.id}/#thread-reply`, "data-open-thread": data.id,
    }, el("span", { "aria-hidden": "true" }, "↩︎"), hidden(`${s.reply_in_thread}（${name}）`)));
  }
  box.append(el("a", {
    className: "menu__toggle", href: messageUrl(config, data.id, "actions"), "data-message-menu": true,
    "aria-haspopup": "true", title: s.more_actions,
  }, el("span", { "aria-hidden": "true" }, "…"), hidden(`${s.more_actions}（${name}）`)));
  return box;
}

function enhancedForm(config, item, action, ...children) {
  const form = el("form", { method: "post", action: messageUrl(config, item.dataset.messageId, action), "data-enhance": true }, csrfInput());
  if (item.closest("[data-thread-list]")) form.append(el("input", { type: "hidden", name: "in_thread", value: "1" }));
  form.append(...children);
  return form;
}

// The stamp picker of one message, opened in place.
export function buildStampPicker(config, item) {
  const list = el("ul", { className: "stamp-picker__list" });
  for (const stamp of config.stamps) {
    const button = el("button", { className: "stamp-picker__stamp", type: "submit", name: "stamp", value: stamp.id });
    const face = stampFace(stamp.image_url, stamp.emoji);
    if (face) button.append(face, " ");
    button.append(stamp.name);
    list.append(el("li", {}, button));
  }
  return el("div", { className: "popover stamp-picker__panel", role: "group", "aria-label": config.strings.stamp_button },
    enhancedForm(config, item, "stamps", list));
}

// The "…" menu of one message, opened in place: what the member may do with it.
export function buildMenu(config, item) {
  const s = config.strings;
  const id = item.dataset.messageId;
  const mine = Number(item.dataset.authorId) === config.me;
  const list = el("ul", { className: "menu__list" });
  const formItem = (action, label) => el("li", {}, enhancedForm(config, item, action,
    el("button", { className: "menu__item", type: "submit" }, label)));
  list.append(formItem("save", item.hasAttribute("data-saved") ? s.unsave : s.save_for_later));
  if (config.composer === "post" || config.moderator) {
    list.append(formItem("pin", item.hasAttribute("data-pinned") ? s.unpin : s.pin));
  }
  if (mine && config.composer !== "archived") {
    list.append(el("li", {}, el("a", { className: "menu__item", href: messageUrl(config, id, "edit"), "data-edit": true }, s.edit)));
  }
  if (mine || config.moderator) {
    list.append(el("li", {}, el("a", { className: "menu__item menu__item--danger", href: messageUrl(config, id, "delete"), "data-delete": true }, s.delete)));
  }
  if (config.moderator && item.hasAttribute("data-edited")) {
    list.append(el("li", {}, el("a", { className: "menu__item", href: messageUrl(config, id, "revisions") }, s.revisions)));
  }
  if (navigator.clipboard) {
    const root = item.dataset.threadRootId || id;
    list.append(el("li", {}, el("button", {
      className: "menu__item", type: "button", "data-copy-link": `${config.base}threads/${root}/#t-${id}`,
    }, s.copy_link)));
  }
  return el("div", { className: "popover menu__panel", role: "group", "aria-label": s.more_actions }, list);
}

export function renderAttachments(files) {
  if (!files || files.length === 0) return null;
  const list = el("ul", { className: "attachments" });
  for (const file of files) {
    const link = el("a", { className: "attachment__link", href: file.url, download: true });
    if (file.thumbnail_url) link.append(el("img", { className: "attachment__thumb", src: file.thumbnail_url, alt: "", loading: "lazy" }));
    link.append(el("span", { className: "attachment__name" }, file.name));
    list.append(el("li", { className: "attachment" }, link));
  }
  return list;
}

export function renderMessage(config, data, { inThread = false, canPost = true } = {}) {
  const s = config.strings;
  const item = el("li", {
    className: "message" + (data.deleted ? " message--deleted" : ""), id: `m-${data.id}`,
    "data-message-id": data.id, "data-author-id": data.author ? data.author.id : "", tabindex: "-1",
  });
  if (data.thread_root_id) item.dataset.threadRootId = data.thread_root_id;
  const content = el("div", { className: "message__content" });
  if (data.deleted || !data.author) {
    item.append(el("span", { className: "avatar avatar--empty", "aria-hidden": "true" }));
    content.append(el("p", { className: "message__tombstone" }, s.deleted));
    item.append(content);
    return item;
  }
  item.append(el("span", { className: "avatar", "aria-hidden": "true" }, data.author.name.slice(0, 1)));
  const meta = el("p", { className: "message__meta" },
    el("a", { className: "message__author", href: `/accounts/members/${data.author.id}/` }, data.author.name));
  if (["advisor", "ambassador", "moderator", "operator"].includes(data.author.role)) {
    meta.append(" ", el("span", { className: `chip role-badge role-badge--${data.author.role}` }, data.author.role_label));
  }
  if (data.author.affiliation) meta.append(" ", el("span", { className: "message__affiliation" }, data.author.affiliation));
  meta.append(" ", el("a", { className: "message__time", href: permalink(config, data) },
    el("time", { datetime: data.created_at }, timeText(data.created_at))));
  if (data.edited_at) {
    meta.append(" ", el("span", { className: "message__edited" }, s.edited));
    item.dataset.edited = "";
  }
  content.append(meta);
  const body = el("div", { className: "message__body" });
  // The HTML was rendered from Markdown and cleaned by an allow-list sanitiser (nh3) on the server.
  body.innerHTML = data.html;
  content.append(body);
  const files = renderAttachments(data.attachments);
  if (files) content.append(files);
  content.append(actions(config, data, inThread, canPost));
  item.append(content);
  return item;
}

export function setBody(item, config, data) {
  const body = item.querySelector(".message__body");
  if (body && typeof data.html === "string") body.innerHTML = data.html;
  const meta = item.querySelector(".message__meta");
  if (meta && data.edited_at && !meta.querySelector(".message__edited")) {
    meta.append(" ", el("span", { className: "message__edited" }, config.strings.edited));
  }
}

export function tombstone(item, config) {
  const content = item.querySelector(".message__content");
  item.classList.add("message--deleted");
  const avatar = item.querySelector(".avatar");
  if (avatar) {
    avatar.className = "avatar avatar--empty";
    avatar.textContent = "";
  }
  const replies = content.querySelector(".message__replies");
  content.replaceChildren(el("p", { className: "message__tombstone" }, config.strings.deleted));
  if (replies) content.append(replies);
}

// One stamp's button under a message: its count, and how many organisations pressed it.
export function updateStamp(item, config, data) {
  const s = config.strings;
  let form = item.querySelector("form.stamps");
  if (!form) {
    if (data.count === 0) return;
    form = el("form", { className: "stamps", method: "post", action: messageUrl(config, data.message_id, "stamps"), "data-enhance": true },
      csrfInput(), el("ul", { className: "stamps__list", "aria-label": s.stamp_button }));
    const anchor = item.querySelector(".message__replies, .message__actions");
    item.querySelector(".message__content").insertBefore(form, anchor);
  }
  const list = form.querySelector(".stamps__list");
  let button = list.querySelector(`[data-stamp-id="${data.stamp_id}"]`);
  if (data.count === 0) {
    if (button) button.closest("li").remove();
    return;
  }
  const label = format(s.stamp_orgs, { count: data.organization_count, name: data.stamp });
  if (!button) {
    button = el("button", { className: "stamp", type: "submit", name: "stamp", value: data.stamp_id, "data-stamp-id": data.stamp_id, "aria-pressed": "false" });
    const face = stampFace(data.image_url, data.emoji);
    if (face) button.append(face);
    button.append(el("span", { className: "stamp__name" }, data.stamp), el("span", { className: "stamp__count" }, "0"),
      el("span", { className: "visually-hidden", "data-stamp-label": true }, ""));
    list.append(el("li", {}, button));
  }
  button.querySelector(".stamp__count").textContent = String(data.count);
  button.title = label;
  button.querySelector("[data-stamp-label]").textContent = `（${label}）`;
  if (data.member_id === config.me) {
    const mine = data.type === "reaction.added";
    button.setAttribute("aria-pressed", String(mine));
    button.classList.toggle("stamp--mine", mine);
  }
}

export function updateReplies(item, config, data) {
  let line = item.querySelector(".message__replies");
  const text = format(config.strings.replies, { count: data.reply_count });
  if (!line) {
    line = el("p", { className: "message__replies" },
      el("a", { href: `${config.base}threads/${data.thread_root_id}/`, "data-open-thread": data.thread_root_id }, text));
    item.querySelector(".message__content").insertBefore(line, item.querySelector(".message__actions"));
  } else {
    line.querySelector("a").textContent = text;
  }
}

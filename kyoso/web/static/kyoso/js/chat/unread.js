// Unread state: the reading position sent when a live message was seen, and the sidebar's unread and
// mention badges for the other channels.

import { send } from "./net.js";
import { config } from "./page.js";

const READ_DELAY_MS = 800;
let readTimer = null;

export function markRead(upTo) {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (document.visibilityState !== "visible") return;
    send(config.read_url, { up_to: upTo }).catch(() => {});
  }, READ_DELAY_MS);
}

function bumpBadge(channelId, selector, className, label) {
  const link = document.querySelector(`[data-sidebar-channel="${channelId}"]`);
  if (!link) return;
  let badge = link.querySelector(selector);
  if (!badge) {
    badge = document.createElement("span");
    badge.className = className;
    badge.setAttribute(selector.slice(1, -1), "");
    link.querySelector(".sidebar__badges").append(badge);
  }
  const count = (parseInt(badge.textContent.replace(/\D/g, ""), 10) || 0) + 1;
  badge.textContent = `${label}${count}`;
}

// A message in another channel: one more unread there, unless it is the member's own or a reply
// kept in its thread.
export function elsewhere(data) {
  if (data.author && data.author.id !== config.me && !(data.thread_root_id && !data.also_in_channel)) {
    bumpBadge(data.channel_id, "[data-unread-count]", "badge", "");
  }
}

export function onUnreadEvent(event) {
  const data = event.data || {};
  if (event.type === "mention.created" && data.channel_id !== config.channel.id) {
    bumpBadge(data.channel_id, "[data-mention-count]", "badge badge--mention", "@");
  } else if (event.type === "read.updated") {
    const link = document.querySelector(`[data-sidebar-channel="${data.channel_id}"]`);
    link?.querySelectorAll("[data-unread-count], [data-mention-count]").forEach((badge) => badge.remove());
  }
}

// Unread state: the reading position sent when a live message was seen, the sidebar's unread and
// mention badges for the other channels, and the unread total in the browser tab's title.

import { format, send } from "./net.js";
import { config } from "./page.js";

const READ_DELAY_MS = 800;
const BADGE_MAX = config?.badge_max ?? 99;
let readTimer = null;
let pendingRead = null; // a position seen while the tab was hidden: sent when it is shown again
let unseenHere = 0; // live messages of this channel that came while the tab was hidden

// The title the page came with, without a count of ours in front of it.
const baseTitle = document.title.replace(/^\(\d+\+?\) /, "");

export function markRead(upTo) {
  clearTimeout(readTimer);
  readTimer = setTimeout(() => {
    if (document.visibilityState !== "visible") {
      pendingRead = upTo;
      return;
    }
    pendingRead = null;
    send(config.read_url, { up_to: upTo }).catch(() => {});
  }, READ_DELAY_MS);
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible") return;
  unseenHere = 0;
  updateTitle();
  if (pendingRead !== null) markRead(pendingRead);
});

// 「99+」 past the most a badge shows; the screen reader hears 「99件を超える未読」 instead.
function fillBadge(badge, count, { prefix, label, labelMore }) {
  badge.replaceChildren();
  const shown = document.createElement("span");
  shown.setAttribute("aria-hidden", "true");
  shown.textContent = `${prefix}${count > BADGE_MAX ? `${BADGE_MAX}+` : count}`;
  const spoken = document.createElement("span");
  spoken.className = "visually-hidden";
  spoken.textContent = count > BADGE_MAX
    ? format(labelMore, { count: BADGE_MAX })
    : format(label, { count });
  badge.append(shown, spoken);
}

const KINDS = {
  unread: { attribute: "data-unread-count", className: "badge", prefix: "", label: "unread_badge" },
  mention: { attribute: "data-mention-count", className: "badge badge--mention", prefix: "@", label: "mention_badge" },
};

function bumpBadge(channelId, kind) {
  const link = document.querySelector(`[data-sidebar-channel="${channelId}"]`);
  if (!link) return;
  // A muted channel counts no unread messages: only a mention of the member shows there.
  if (kind === "unread" && link.hasAttribute("data-muted")) return;
  const { attribute, className, prefix, label } = KINDS[kind];
  let badge = link.querySelector(`[${attribute}]`);
  if (!badge) {
    badge = document.createElement("span");
    badge.className = className;
    link.querySelector(".sidebar__badges").append(badge);
  }
  // The server stops counting past the badge's most; so does the page.
  const count = Math.min((parseInt(badge.getAttribute(attribute), 10) || 0) + 1, BADGE_MAX + 1);
  badge.setAttribute(attribute, String(count));
  fillBadge(badge, count, {
    prefix,
    label: config.strings[label],
    labelMore: config.strings[`${label}_more`],
  });
  updateTitle();
}

// The tab's title starts with the unread total, e.g. 「(3) #防災 | kyoso」, so a member sees news from
// another tab; 「(99+)」 once any channel is past what the sidebar counts.
export function updateTitle() {
  let total = unseenHere;
  let more = false;
  document.querySelectorAll("[data-sidebar-channel] [data-unread-count]").forEach((badge) => {
    const count = parseInt(badge.getAttribute("data-unread-count"), 10) || 0;
    total += count;
    if (count > BADGE_MAX) more = true;
  });
  const shown = more || total > BADGE_MAX ? `${BADGE_MAX}+` : String(total);
  document.title = total > 0 ? `(${shown}) ${baseTitle}` : baseTitle;
}

// A message in another channel: one more unread there, unless it is the member's own or a reply
// kept in its thread.
export function elsewhere(data) {
  if (data.author && data.author.id !== config.me && !(data.thread_root_id && !data.also_in_channel)) {
    bumpBadge(data.channel_id, "unread");
  }
}

// A message in this channel that the member may not have seen: the tab is in the background.
export function here(data) {
  if (document.visibilityState === "visible") return;
  if (data.author && data.author.id !== config.me && !(data.thread_root_id && !data.also_in_channel)) {
    unseenHere += 1;
    updateTitle();
  }
}

// The member changed a channel's notification level (here or in another tab): a muted channel drops
// its unread badge and stays out of the title's total.
export function setMuted(channelId, level) {
  const link = document.querySelector(`[data-sidebar-channel="${channelId}"]`);
  if (!link) return;
  const muted = level === "muted";
  link.toggleAttribute("data-muted", muted);
  if (muted) link.querySelector("[data-unread-count]")?.remove();
  updateTitle();
}

export function onUnreadEvent(event) {
  const data = event.data || {};
  if (event.type === "channel.notify_level") {
    setMuted(data.channel_id, data.notify_level);
    return;
  }
  if (event.type === "mention.created" && data.channel_id !== config.channel.id) {
    bumpBadge(data.channel_id, "mention");
  } else if (event.type === "read.updated") {
    const link = document.querySelector(`[data-sidebar-channel="${data.channel_id}"]`);
    link?.querySelectorAll("[data-unread-count], [data-mention-count]").forEach((badge) => badge.remove());
    if (data.channel_id === config.channel.id) unseenHere = 0;
    updateTitle();
  }
}

if (config) updateTitle();

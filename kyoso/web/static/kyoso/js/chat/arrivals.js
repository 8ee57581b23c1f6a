// New messages from others, told to screen readers without flooding them.
//
// A busy channel can bring several messages a second; reading each one out would drown whatever the
// member is doing. The first message is said after a short pause that gathers a burst (「八女 太郎さんの
// 新しいメッセージ」 for one, 「新しいメッセージ 3件」 for several), and after that at most one summary
// every ANNOUNCE_EVERY_MS, of everything that came meanwhile. The words go through the page's polite
// live region (page.js), so they never interrupt.

import { format } from "./net.js";
import { announce, config } from "./page.js";

const GATHER_MS = 1000;
const ANNOUNCE_EVERY_MS = 5000;

let count = 0;
let lastName = "";
let timer = null;
let lastSaid = -Infinity;

function say() {
  timer = null;
  if (count === 0) return;
  const text = count === 1
    ? format(config.strings.new_message, { name: lastName })
    : format(config.strings.new_messages, { count });
  count = 0;
  lastSaid = Date.now();
  announce(text);
}

export function announceArrival(name) {
  count += 1;
  lastName = name || "";
  if (timer) return;
  timer = setTimeout(say, Math.max(GATHER_MS, lastSaid + ANNOUNCE_EVERY_MS - Date.now()));
}

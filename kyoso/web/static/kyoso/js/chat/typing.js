// 「…さんが入力中」: who else is writing in this channel, heard live, and telling others when we are.

import { format } from "./net.js";
import { config, connection, root } from "./page.js";

const TYPING_SHOW_MS = 5000;
const TYPING_SEND_MS = 3000;
const typing = new Map();
let lastTyping = 0;

export function showTyping() {
  const line = root.querySelector("[data-typing]");
  const now = Date.now();
  for (const [id, entry] of typing) if (entry.until < now) typing.delete(id);
  const names = [...typing.values()].map((entry) => entry.name);
  line.textContent = names.length === 0 ? ""
    : names.length === 1 ? format(config.strings.typing_one, { name: names[0] })
      : format(config.strings.typing_many, { count: names.length });
}

export function onTyping(data) {
  if (data.channel_id !== config.channel.id || !data.member || data.member.id === config.me) return;
  typing.set(data.member.id, { name: data.member.name, until: Date.now() + TYPING_SHOW_MS });
  showTyping();
  setTimeout(showTyping, TYPING_SHOW_MS + 100);
}

// Their message arrived: they are no longer typing it.
export function stoppedTyping(memberId) {
  typing.delete(memberId);
  showTyping();
}

export function noteTyping(text) {
  const now = Date.now();
  if (connection.live && text.trim() && now - lastTyping > TYPING_SEND_MS) {
    lastTyping = now;
    connection.live.sendTyping(config.channel.id);
  }
}

export function keepTypingFresh() {
  setInterval(showTyping, TYPING_SHOW_MS);
}

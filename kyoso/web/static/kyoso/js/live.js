// The page's live connection to kyoso (/ws/, kyoso/realtime/consumers.py).
//
//   import { connect, sendTyping, disconnect } from "./live.js";
//   connect({ held: () => ({ [channelId]: cursorOfThePage }) });
//
// Every server event is dispatched on document as "kyoso:event" (detail: the event, {id, type, at,
// data}), once: an event id or a message id already seen is dropped. "kyoso:connection" tells the
// state: {state: "connecting" | "open" | "closed"}; "open" comes once the server has sent what the
// page missed.
//
// Each change to a channel's messages has a number, in the order the changes committed (data.seq: a
// post, an edit, a deletion, a pin, files, a stamp). For each channel the page holds, this module keeps
// the number up to which the page has every change: first the one the page was drawn at (held()), then
// as changes are heard, and as "ready" says after a catch-up. On every (re)connection it goes to the
// server, which sends what changed after it (or "resync" for a channel that missed too many) before
// "ready". A change at or below it is already on the page: a late live copy of it is dropped, so it
// cannot draw over something newer.
//
// A lost connection is retried with exponential backoff and full jitter, and at once when the
// browser comes back online, the tab becomes visible, or a timer notices the machine slept.
// A heartbeat notices a connection that died without closing.

const PATH = "/ws/";
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30000;
const HEARTBEAT_MS = 25000;
const PONG_TIMEOUT_MS = 10000;
const CLOCK_TICK_MS = 5000;
const SLEPT_AFTER_MS = 15000; // a tick this late means the machine was asleep
const TYPING_EVERY_MS = 3000;
const REMEMBERED_IDS = 5000;
// Close codes after which retrying cannot help: not signed in, not allowed (suspended, second factor
// not done), or closed as the oldest of too many open tabs (retrying would close another). The page's
// next navigation takes the member where they need to go.
const REFUSED = new Set([4401, 4403, 4429]);

let options = null;
let socket = null;
let state = "closed";
let attempt = 0;
let retryTimer = null;
let heartbeatTimer = null;
let pongTimer = null;
let clockTimer = null;
let lastTick = 0;
let refused = false;
const typedAt = new Map();

// Recently seen ids, oldest forgotten first: a catch-up that overlaps live events shows nothing twice.
class Seen {
  constructor(limit) {
    this.limit = limit;
    this.ids = new Set();
    this.order = [];
  }

  add(id) {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    this.order.push(id);
    if (this.order.length > this.limit) this.ids.delete(this.order.shift());
    return true;
  }
}

const seenEvents = new Seen(REMEMBERED_IDS);
const seenMessages = new Seen(REMEMBERED_IDS);

// Per held channel: `at`, the number up to which the page has every change, and the numbers heard
// above it (changes can be heard out of order; a gap waits for its change, or for the next catch-up).
const cursors = new Map();

function holdChannels() {
  let held = {};
  try {
    held = options.held() || {};
  } catch {
    held = {};
  }
  const channels = {};
  Object.entries(held).forEach(([key, start]) => {
    const id = Number(key);
    if (!cursors.has(id)) cursors.set(id, { at: Number(start) || 0, above: new Set() });
    channels[key] = { cursor: cursors.get(id).at };
  });
  return channels;
}

function advance(cursor) {
  while (cursor.above.delete(cursor.at + 1)) cursor.at += 1;
  cursor.above.forEach((seq) => { if (seq <= cursor.at) cursor.above.delete(seq); });
  // A change that never arrives (a lost event) must not make the set grow for ever: the next
  // reconnection replays from the gap anyway.
  if (cursor.above.size > REMEMBERED_IDS) cursor.above.clear();
}

// Whether a change is news to the page, noting it if so.
function heardChange(data) {
  const cursor = data && cursors.get(data.channel_id);
  if (!cursor || !Number.isInteger(data.seq)) return true;
  if (data.seq <= cursor.at) return false;
  cursor.above.add(data.seq);
  advance(cursor);
  return true;
}

function caughtUp(data) {
  Object.entries((data && data.cursors) || {}).forEach(([key, at]) => {
    const cursor = cursors.get(Number(key));
    if (!cursor || !Number.isInteger(at)) return;
    cursor.at = at;
    advance(cursor);
  });
}

function setState(next, extra = {}) {
  if (state === next && !extra.refused) return;
  state = next;
  document.dispatchEvent(new CustomEvent("kyoso:connection", { detail: { state: next, ...extra } }));
}

function url() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${PATH}`;
}

function send(value) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(value));
}

function clearTimers() {
  clearTimeout(retryTimer);
  clearTimeout(pongTimer);
  clearInterval(heartbeatTimer);
  retryTimer = pongTimer = heartbeatTimer = null;
}

function drop() {
  if (!socket) return;
  const old = socket;
  socket = null;
  old.onopen = old.onmessage = old.onclose = old.onerror = null;
  if (old.readyState === WebSocket.CONNECTING || old.readyState === WebSocket.OPEN) old.close();
}

function heardFromServer() {
  clearTimeout(pongTimer);
  pongTimer = null;
}

function probe() {
  // A ping the server answers at once; silence means the connection is dead without having closed.
  if (!socket || socket.readyState !== WebSocket.OPEN || pongTimer) return;
  send({ type: "ping" });
  pongTimer = setTimeout(() => reconnectNow(), PONG_TIMEOUT_MS);
}

function dispatch(event) {
  if (event.id && !seenEvents.add(event.id)) return;
  if (!heardChange(event.data)) return;
  if (event.type === "message.created" && event.data && event.data.id != null) {
    if (!seenMessages.add(event.data.id)) return;
  }
  document.dispatchEvent(new CustomEvent("kyoso:event", { detail: event }));
}

function onMessage(message) {
  heardFromServer();
  let event;
  try {
    event = JSON.parse(message.data);
  } catch {
    return;
  }
  if (!event || typeof event.type !== "string" || event.type === "pong") return;
  if (event.type === "ready") {
    caughtUp(event.data);
    attempt = 0;
    setState("open");
  }
  dispatch(event);
}

function open() {
  if (!options || refused) return;
  clearTimers();
  drop();
  setState("connecting");
  const current = new WebSocket(url());
  socket = current;
  current.onopen = () => {
    send({ type: "hello", channels: holdChannels() });
    heartbeatTimer = setInterval(probe, HEARTBEAT_MS);
  };
  current.onmessage = onMessage;
  current.onclose = (event) => {
    if (socket !== current) return;
    socket = null;
    clearTimers();
    if (REFUSED.has(event.code)) {
      refused = true;
      setState("closed", { refused: true, code: event.code });
      return;
    }
    setState("closed");
    scheduleRetry();
  };
}

function scheduleRetry() {
  if (!options || refused || retryTimer) return;
  // Full jitter: a server restart does not bring every page back in the same instant.
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
  attempt += 1;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    open();
  }, Math.random() * ceiling);
}

function reconnectNow() {
  if (!options || refused) return;
  attempt = 0;
  open();
}

function wakeUp() {
  // Back online or visible again: connect now if not connected, otherwise make sure it still lives.
  if (!options || refused) return;
  if (socket && socket.readyState === WebSocket.OPEN) probe();
  else if (!socket || socket.readyState !== WebSocket.CONNECTING) reconnectNow();
}

function onVisibility() {
  if (document.visibilityState === "visible") wakeUp();
}

function tick() {
  const now = Date.now();
  const slept = now - lastTick > SLEPT_AFTER_MS;
  lastTick = now;
  if (!slept) return;
  // Timers stop while the machine sleeps, and the socket it had is most likely dead by now. A hidden
  // tab's timers are also slowed down by the browser: there, only check that the socket still lives.
  if (document.visibilityState === "visible") reconnectNow();
  else wakeUp();
}

/**
 * Open the live connection. `held()` returns {channelId: cursor} for the channels the page holds, the
 * cursor being the number of the channel's latest change when the page was drawn; it is asked again
 * at every reconnection (a channel's cursor then comes from what the page heard since).
 */
export function connect({ held }) {
  if (options) disconnect();
  cursors.clear();
  options = { held: typeof held === "function" ? held : () => ({}) };
  refused = false;
  attempt = 0;
  window.addEventListener("online", wakeUp);
  document.addEventListener("visibilitychange", onVisibility);
  lastTick = Date.now();
  clockTimer = setInterval(tick, CLOCK_TICK_MS);
  open();
}

/** Tell the channel that this member is typing; sent at most once every few seconds per channel. */
export function sendTyping(channelId) {
  if (state !== "open") return;
  const now = Date.now();
  if (now - (typedAt.get(channelId) || 0) < TYPING_EVERY_MS) return;
  typedAt.set(channelId, now);
  send({ type: "typing", channel_id: channelId });
}

/** Close the connection and stop reconnecting. */
export function disconnect() {
  window.removeEventListener("online", wakeUp);
  document.removeEventListener("visibilitychange", onVisibility);
  clearInterval(clockTimer);
  clockTimer = null;
  clearTimers();
  options = null;
  drop();
  setState("closed");
}

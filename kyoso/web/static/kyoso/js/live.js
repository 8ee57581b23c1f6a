// The page's live connection to kyoso (/ws/, kyoso/realtime/consumers.py).
//
//   import { connect, sendTyping, disconnect } from "./live.js";
//   connect({ lastIds: () => ({ [channelId]: lastMessageIdShown }) });
//
// Every server event is dispatched on document as "kyoso:event" (detail: the event, {id, type, at,
// data}), once: an event id or a message id already seen is dropped. "kyoso:connection" tells the
// state: {state: "connecting" | "open" | "closed"}; "open" comes once the server has sent what the
// page missed. On every (re)connection the page's lastIds() go to the server, which sends the
// messages newer than those (or "resync" for a channel that missed too many) before "ready".
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
    let channels = {};
    try {
      channels = options.lastIds() || {};
    } catch {
      channels = {};
    }
    send({ type: "hello", channels });
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
 * Open the live connection. `lastIds()` returns {channelId: lastMessageIdHeld} for the channels the
 * page holds; it is asked again at every reconnection.
 */
export function connect({ lastIds }) {
  if (options) disconnect();
  options = { lastIds: typeof lastIds === "function" ? lastIds : () => ({}) };
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

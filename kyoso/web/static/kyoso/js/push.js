// The Web Push opt-in (notify/_push_optin.html): registers kyoso's service worker, subscribes this
// browser with the server's public key, and tells the server (or stops). Shown only when the server has
// push configured (the partial is not rendered otherwise) and this browser can take push.

const root = document.querySelector("[data-push]");

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(padded);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function sameKey(subscription, key) {
  const held = subscription.options && subscription.options.applicationServerKey;
  if (!held) return true; // the browser does not say: assume it is ours
  const a = new Uint8Array(held);
  return a.length === key.length && a.every((byte, i) => byte === key[i]);
}

// The server's refusal, in the member's language (a browser's own errors are not shown as they are).
class Refusal extends Error {}

async function send(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.pushCsrf },
    body: JSON.stringify(body),
  });
  let answer = {};
  try {
    answer = await response.json();
  } catch (error) {
    answer = {};
  }
  if (!response.ok) {
    const message = answer.error && answer.error.message;
    throw new Refusal(message || root.dataset.textFailed);
  }
  return answer;
}

async function start() {
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!root || !supported || !window.isSecureContext) return;
  const button = root.querySelector("[data-push-toggle]");
  const status = root.querySelector("[data-push-status]");
  const key = keyBytes(root.dataset.pushKey);
  let registration;
  try {
    registration = await navigator.serviceWorker.register(root.dataset.pushWorker, { scope: "/" });
  } catch (error) {
    return; // no worker, no push: the opt-in stays hidden
  }
  let subscription = await registration.pushManager.getSubscription();
  // On only when the browser holds a subscription and the server has it for this signed-in session.
  let on = Boolean(subscription) && root.dataset.pushSubscribed === "1";

  function show(message) {
    button.textContent = on ? root.dataset.labelOff : root.dataset.labelOn;
    status.textContent = message || (on ? root.dataset.textOn : root.dataset.textOff);
  }

  async function turnOn() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      show(root.dataset.textDenied);
      return;
    }
    await navigator.serviceWorker.ready;
    if (subscription && !sameKey(subscription, key)) {
      await subscription.unsubscribe(); // made for another server key: it cannot carry ours
      subscription = null;
    }
    if (!subscription) {
      subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    }
    const answer = await send(root.dataset.pushSubscribe, subscription.toJSON());
    on = true;
    show(answer.notice);
  }

  async function turnOff() {
    if (subscription) {
      const answer = await send(root.dataset.pushUnsubscribe, { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
      subscription = null;
      on = false;
      show(answer.notice);
    } else {
      on = false;
      show();
    }
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await (on ? turnOff() : turnOn());
    } catch (error) {
      show(error instanceof Refusal ? error.message : root.dataset.textFailed);
    } finally {
      button.disabled = false;
    }
  });
  if (Notification.permission === "denied" && !on) {
    show(root.dataset.textDenied);
  } else {
    show();
  }
  root.hidden = false;
}

start();

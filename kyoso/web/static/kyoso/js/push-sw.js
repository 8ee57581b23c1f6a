// kyoso's service worker: shows a Web Push notification and opens what it points at when clicked.
// Served from /notifications/push/sw.js with "Service-Worker-Allowed: /" (kyoso/notify/push_views.py),
// registered by push.js with the scope "/". It has no fetch handler: pages load as they always do.
"use strict";

const DEFAULT_TITLE = "kyoso";

function sameOrigin(raw, fallback) {
  try {
    const url = new URL(raw, self.location.origin);
    return url.origin === self.location.origin ? url.href : fallback;
  } catch (error) {
    return fallback;
  }
}

self.addEventListener("install", () => {
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const title = typeof data.title === "string" && data.title ? data.title : DEFAULT_TITLE;
  const home = new URL("/", self.location.origin).href;
  const options = {
    body: typeof data.body === "string" ? data.body : "",
    lang: "ja",
    data: { url: sameOrigin(data.url, home) },
  };
  if (typeof data.tag === "string" && data.tag) options.tag = data.tag;
  if (typeof data.icon === "string" && data.icon) options.icon = sameOrigin(data.icon, undefined);
  event.waitUntil(self.registration.showNotification(title, options));
});

async function focusOrOpen(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (client.url === url && "focus" in client) return client.focus();
  }
  // A kyoso tab is open already: bring it forward and take it to the notification.
  for (const client of windows) {
    if ("focus" in client && "navigate" in client && new URL(client.url).origin === self.location.origin) {
      try {
        const focused = await client.focus();
        return await focused.navigate(url);
      } catch (error) {
        break; // not controlled by this worker (opened before it): open a window instead
      }
    }
  }
  return self.clients.openWindow(url);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const home = new URL("/", self.location.origin).href;
  const url = sameOrigin(event.notification.data && event.notification.data.url, home);
  event.waitUntil(focusOrOpen(url));
});

// The header's 「通知」 bell, kept current by the events the page hears live (live.js dispatches them on
// document as "kyoso:event"; only pages with a live connection, the chat pages, hear them):
//   notification.created  one more unread (and a browser notification while the tab is hidden, if the
//                         member allowed them)
//   notification.read     the server's count after something was read, in this tab or another
// On the notifications page it also offers the browser's permission and sends 「すべて既読にする」 in
// place. Without this script the bell is a link with the count the page was drawn with.

const bell = document.querySelector("[data-bell]");
const badge = bell?.querySelector("[data-bell-badge]");
// The bell counts up to this many exactly, then reads 「99+」 (kyoso.notify.queries.UNREAD_COUNT_LIMIT).
const SHOWN_MAX = 99;

function currentCount() {
  if (!badge || badge.hidden) return 0;
  const text = badge.querySelector("[data-bell-count]")?.textContent || "0";
  return text.endsWith("+") ? SHOWN_MAX + 1 : parseInt(text, 10) || 0;
}

export function setCount(count) {
  if (!badge) return;
  const shown = count > SHOWN_MAX ? `${SHOWN_MAX}+` : String(count);
  badge.querySelector("[data-bell-count]").textContent = shown;
  badge.querySelector("[data-bell-spoken]").textContent = shown;
  badge.hidden = count <= 0;
  bell.dataset.unread = String(count);
  document.dispatchEvent(new CustomEvent("kyoso:bell", { detail: { unread: count } }));
}

function showBrowserNotification(data) {
  if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
  try {
    const shown = new Notification("kyoso", {
      body: bell?.dataset.bellLine || bell?.textContent.trim() || "",
      tag: `kyoso-${data.message_id || Date.now()}`,
      lang: document.documentElement.lang || "ja",
    });
    shown.addEventListener("click", () => {
      window.focus();
      shown.close();
    });
  } catch {
    // Some browsers allow notifications only from a service worker: the bell still counts.
  }
}

document.addEventListener("kyoso:event", (event) => {
  const { type, data } = event.detail || {};
  if (type === "notification.created") {
    setCount(Math.min(currentCount() + 1, SHOWN_MAX + 1));
    showBrowserNotification(data || {});
  } else if (type === "notification.read" && typeof data?.unread === "number") {
    setCount(data.unread);
  }
});

// 「ブラウザの通知を許可」: only where the browser can ask, and has not been answered yet.
const permission = document.querySelector("[data-notification-permission]");
if (permission && "Notification" in window && Notification.permission === "default") {
  permission.hidden = false;
  permission.addEventListener("click", async () => {
    try {
      await Notification.requestPermission();
    } finally {
      permission.hidden = Notification.permission !== "default";
    }
  });
}

// 「すべて既読にする」 in place: the list loses its unread marks and the bell goes to nought.
const readAll = document.querySelector("form[data-read-all]");
readAll?.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const response = await fetch(readAll.action, {
      method: "POST",
      body: new FormData(readAll),
      headers: { "X-Kyoso-Fragment": "1" },
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(String(response.status));
    const answer = await response.json();
    document.querySelectorAll(".notification--unread").forEach((item) => {
      item.classList.remove("notification--unread");
      item.querySelector(".notification__state")?.remove();
    });
    setCount(0);
    const notices = document.querySelector(".notices");
    if (notices && answer.notice) {
      const notice = document.createElement("p");
      notice.className = "notice notice--success";
      notice.textContent = answer.notice;
      notices.replaceChildren(notice);
    }
    readAll.remove();
  } catch {
    readAll.submit(); // the form as it is, without the script
  }
});

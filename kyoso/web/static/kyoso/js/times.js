// Times on every page, in the site's time zone and natural words, kept fresh: 「たった今」 becomes
// 「5分前」 as the page stays open. The rules are kyoso/core/times.py's; the words, date formats and
// time zone come from the page (data-time-words on this script's tag, `{% times_script %}`), so the browser's own time
// zone never shows: a member in New York still reads Tokyo time, as every other page says.
//
// Each <time data-when datetime="..."> is rewritten, on load, every half minute, and when the page
// adds one (a live message, older history, the thread pane).

const REFRESH_MS = 30000;
const MINUTE = 60;
const HOUR = 3600;
const AHEAD_IS_NOW = 60; // seconds ahead of this clock that still read 「たった今」

const node = document.querySelector("script[data-time-words]");
const words = node ? JSON.parse(node.dataset.timeWords) : null;
const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

let parts = null;
function partsIn(date) {
  if (!parts) {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: words.zone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      weekday: "short",
      hourCycle: "h23",
    });
  }
  const found = {};
  parts.formatToParts(date).forEach(({ type, value }) => { found[type] = value; });
  return {
    year: Number(found.year),
    month: Number(found.month),
    day: Number(found.day),
    hour: Number(found.hour) % 24,
    minute: found.minute.padStart(2, "0"),
    weekday: WEEKDAYS.indexOf(found.weekday),
  };
}

// Django's date format letters that kyoso's time formats use (core/times.py); others are literal.
function format(pattern, p) {
  const letters = {
    Y: () => String(p.year),
    n: () => String(p.month),
    j: () => String(p.day),
    G: () => String(p.hour),
    i: () => p.minute,
    D: () => words.weekdays[p.weekday] ?? "",
    M: () => words.months[p.month - 1] ?? "",
  };
  let out = "";
  for (let index = 0; index < pattern.length; index += 1) {
    const letter = pattern[index];
    if (letter === "\\" && index + 1 < pattern.length) {
      index += 1;
      out += pattern[index];
    } else {
      out += letters[letter] ? letters[letter]() : letter;
    }
  }
  return out;
}

function plural(forms, count) {
  return (count === 1 ? forms[0] : forms[1]).replace("%(count)s", String(count));
}

// The day number of a local date, to tell today and yesterday apart across month ends.
function dayNumber(p) {
  return Date.UTC(p.year, p.month - 1, p.day) / 86400000;
}

/** The words for `date` seen from `now`, as kyoso.core.times.relative_label says them. */
export function relativeLabel(date, now = new Date()) {
  const seconds = (now.getTime() - date.getTime()) / 1000;
  if (seconds >= -AHEAD_IS_NOW && seconds < MINUTE) return words.now;
  if (seconds > 0 && seconds < HOUR) return plural(words.minutes, Math.floor(seconds / MINUTE));
  const when = partsIn(date);
  const today = partsIn(now);
  const days = dayNumber(today) - dayNumber(when);
  if (seconds > 0 && days === 0) return plural(words.hours, Math.floor(seconds / HOUR));
  if (days === 1) return format(words.formats.yesterday, when);
  if (when.year === today.year) return format(words.formats.this_year, when);
  return format(words.formats.other_year, when);
}

function refresh(scope) {
  const now = new Date();
  const found = scope.matches?.("time[data-when]") ? [scope] : scope.querySelectorAll("time[data-when]");
  found.forEach((time) => {
    const date = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) return;
    const label = relativeLabel(date, now);
    const text = time.firstChild;
    if (text && text.nodeType === Node.TEXT_NODE) {
      if (text.data !== label) text.data = label;
    } else {
      time.prepend(label);
    }
  });
}

if (words) {
  refresh(document);
  setInterval(() => refresh(document), REFRESH_MS);
  new MutationObserver((changes) => {
    changes.forEach((change) => change.addedNodes.forEach((added) => {
      if (added.nodeType === Node.ELEMENT_NODE) refresh(added);
    }));
  }).observe(document.body, { childList: true, subtree: true });
}

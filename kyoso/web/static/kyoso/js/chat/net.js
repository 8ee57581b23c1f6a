// Sending the page's own forms from script: the same URLs and fields as without JavaScript, with
// the X-Kyoso-Fragment header so the server answers JSON instead of redirecting.

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

export async function send(url, fields) {
  const body = fields instanceof FormData ? fields : new FormData();
  if (!(fields instanceof FormData)) {
    for (const [key, value] of Object.entries(fields || {})) body.append(key, value);
  }
  if (!body.has("csrfmiddlewaretoken")) body.append("csrfmiddlewaretoken", csrfToken());
  const response = await fetch(url, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { "X-Kyoso-Fragment": "1", "X-CSRFToken": csrfToken() },
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok || !data || data.ok === false) {
    const message = data && data.error ? data.error.message : null;
    const error = new Error(message || "request failed");
    error.memberMessage = message;
    throw error;
  }
  return data;
}

export async function getHtml(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { "X-Kyoso-Fragment": "1" } });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.text();
}

export async function getPage(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return new DOMParser().parseFromString(await response.text(), "text/html");
}

export function fromHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

export function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key] ?? ""));
}

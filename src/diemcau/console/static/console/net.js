// Requests to the server with the session and the CSRF token, and what their results say about
// the connection: navigator.onLine alone says nothing about whether the server answers.

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

// Returns {ok, status, data, json} or {ok: false, status: 0} when the server could not be reached.
export async function call(method, url, body) {
  const headers = { Accept: "application/json" };
  const init = { method, credentials: "same-origin", headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    headers["X-CSRFToken"] = csrfToken();
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    link.report(false);
    return { ok: false, status: 0, data: null, json: false };
  }
  link.report(response.status < 500 || response.status === 501);
  const type = response.headers.get("Content-Type") || "";
  const json = type.includes("json");
  let data = null;
  if (json) {
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
  }
  return { ok: response.ok, status: response.status, data, json };
}

// The connection as the status bar shows it: the browser's flag and the last real request.
export const link = {
  serverOk: null,
  listeners: [],
  report(ok) {
    const changed = this.serverOk !== ok;
    this.serverOk = ok;
    if (changed) this.listeners.forEach((fn) => fn());
  },
  state() {
    if (!navigator.onLine) return "offline";
    if (this.serverOk === false) return "no_server";
    return "online";
  },
  onChange(fn) {
    this.listeners.push(fn);
  },
};

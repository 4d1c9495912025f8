// Which session is on: the page brings the day's sessions; the console picks the one running now,
// else the next, else the last; the operator may pin another (kept per site in localStorage).

export function current(sessions, now = new Date()) {
  if (!sessions.length) return null;
  const live = sessions.find((s) => s.status === "live");
  if (live) return live;
  const t = now.getTime();
  const running = sessions.find((s) => Date.parse(s.starts_at) <= t && t < Date.parse(s.ends_at));
  if (running) return running;
  const next = sessions.find((s) => Date.parse(s.starts_at) > t);
  return next || sessions[sessions.length - 1];
}

// The session being shown right now (for heartbeats): only while it runs.
export function running(sessions, now = new Date()) {
  const t = now.getTime();
  return (
    sessions.find((s) => s.status === "live") ||
    sessions.find((s) => s.status !== "ended" && Date.parse(s.starts_at) <= t && t < Date.parse(s.ends_at)) ||
    null
  );
}

export function when(session, now = new Date()) {
  const t = now.getTime();
  if (Date.parse(session.ends_at) <= t || session.status === "ended") return "ended";
  if (Date.parse(session.starts_at) <= t || session.status === "live") return "now";
  return "next";
}

// Whether the server takes scans for a session now (console/services.py checkin_window: from
// 3 h before its start to its end): "open", "before", "after", or "none" without a session.
export function checkin(session, now = new Date()) {
  if (!session) return "none";
  const t = now.getTime();
  if (t < Date.parse(session.checkin_opens)) return "before";
  if (t > Date.parse(session.checkin_closes)) return "after";
  return "open";
}

const KEY = (site) => `diemcau-console-session:${site}`;

export function pinned(site) {
  try {
    return localStorage.getItem(KEY(site)) || "";
  } catch (error) {
    return "";
  }
}

export function pin(site, id) {
  try {
    if (id) localStorage.setItem(KEY(site), String(id));
    else localStorage.removeItem(KEY(site));
  } catch (error) {
    /* private mode: the choice lasts for this page only */
  }
}

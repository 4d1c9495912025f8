// The site console: wires the page to the queue, the syncer, the roster and the heartbeat.
// Every action goes to the IndexedDB queue first and is sent from there (see queue.js, sync.js).

import { canonical, recognise } from "./badge.js";
import * as db from "./db.js";
import { call, link } from "./net.js";
import * as player from "./player.js";
import * as programme from "./programme.js";
import * as queue from "./queue.js";
import { setUpRehearsal } from "./rehearsal.js";
import * as scans from "./scans.js";
import { Syncer } from "./sync.js";

const cfg = JSON.parse(document.getElementById("console-config").textContent);
const t = cfg.t;
const site = cfg.site.code;
const $ = (id) => document.getElementById(id);
const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_m, key) => String(values[key]));
const stamp = (iso) => (iso ? new Date(iso).toLocaleString(cfg.lang) : t.never);
const clock = (iso) => new Date(iso).toLocaleTimeString(cfg.lang, { hour: "2-digit", minute: "2-digit" });
// A time, with its date when it is not today (a session of another day).
const moment = (iso) =>
  new Date(iso).toDateString() === new Date().toDateString()
    ? clock(iso)
    : `${clock(iso)} ${new Date(iso).toLocaleDateString(cfg.lang)}`;
const ROSTER_REFRESH_MS = 5 * 60_000;
// 11,000 consoles: one live-state call a minute each is ~180 a second nationwide (bench/README.md,
// console live state). The count moves at each scan locally; the server adds the other devices'.
const LIVE_REFRESH_MS = 60_000;
const MAX_SCANS_SHOWN = 30;
const MAX_QUEUE_SHOWN = 100;

const state = {
  roster: new Map(),
  rosterAt: null,
  rosterFresh: false,
  notices: new Set(),
  lastSync: null,
  scans: [], // newest first, kept in IndexedDB (scans.js)
  live: null, // the server's count and the site's questions (console live state)
  queued: 0,
  dropped: 0,
};

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined && text !== null) el.textContent = String(text);
  if (className) el.className = className;
  return el;
}

// -- programme ------------------------------------------------------------------------------
function selectedSession() {
  const id = $("c-session").value;
  if (id) return cfg.sessions.find((s) => String(s.id) === id) || null;
  return programme.current(cfg.sessions);
}

// The topic on now, estimated from the planned minutes of the session's topics in order.
function currentTopic(session, now = new Date()) {
  if (!session || !session.topics.length) return null;
  let at = Date.parse(session.starts_at);
  for (const topic of session.topics) {
    at += (topic.planned_minutes || 30) * 60_000;
    if (now.getTime() < at) return topic;
  }
  return session.topics[session.topics.length - 1];
}

function fillSessions() {
  const select = $("c-session");
  select.replaceChildren(new Option(t.auto, ""));
  for (const s of cfg.sessions) {
    select.add(new Option(`${clock(s.starts_at)}–${clock(s.ends_at)} · ${s.title}`, String(s.id)));
  }
  const pinned = programme.pinned(site);
  if (pinned && cfg.sessions.some((s) => String(s.id) === pinned)) select.value = pinned;
  select.disabled = !cfg.sessions.length;
}

function renderSession() {
  const session = selectedSession();
  if (!session) {
    $("c-session-title").textContent = t.no_session;
    $("c-session-when").textContent = "";
    $("c-topic-title").textContent = "";
  } else {
    $("c-session-title").textContent = session.title;
    $("c-session-when").textContent =
      `${clock(session.starts_at)}–${clock(session.ends_at)} (${t[programme.when(session)]})`;
    const topic = currentTopic(session);
    $("c-topic-title").textContent = topic ? `${topic.number}. ${topic.title}` : t.no_topic;
  }
  renderTopics(session);
  renderMaterials(session);
  renderScanner(session);
  renderTally();
}

// Outside the session's check-in window the server refuses every scan: close the scanner and say
// why, instead of queueing scans that can only come back rejected.
function renderScanner(session = selectedSession()) {
  const open = programme.checkin(session);
  const input = $("c-scan");
  const closed = $("c-closed");
  const reopened = input.disabled && open === "open";
  input.disabled = open !== "open";
  if (reopened && document.activeElement === document.body) input.focus(); // for the USB scanner
  $("c-camera").disabled = open !== "open";
  closed.hidden = open === "open";
  closed.dataset.state = open;
  if (open === "before") closed.textContent = fmt(t.closed_before, { at: moment(session.checkin_opens) });
  else if (open === "after") closed.textContent = fmt(t.closed_after, { at: moment(session.ends_at) });
  else if (open === "none") closed.textContent = t.closed_none;
  else closed.textContent = "";
  return open === "open";
}

function renderTally() {
  const session = selectedSession();
  const el = $("c-tally");
  if (!session) {
    el.textContent = "";
    return;
  }
  const { n, total, guests } = scans.tally(state.scans, state.roster, state.live, session.id);
  el.textContent = `${fmt(t.count, { n, total })}${guests ? ` ${fmt(t.guests, { n: guests })}` : ""}`;
  el.dataset.n = String(n);
  el.dataset.total = String(total);
}

function renderTopics(session) {
  const select = $("c-question-topic");
  const before = select.value;
  select.replaceChildren(new Option(t.no_topic, ""));
  for (const topic of session ? session.topics : []) {
    select.add(new Option(`${topic.number}. ${topic.title}`, String(topic.id)));
  }
  const now = currentTopic(session);
  select.value = before && [...select.options].some((o) => o.value === before) ? before : now ? String(now.id) : "";
}

function renderMaterials(session) {
  const list = $("c-materials");
  list.replaceChildren();
  const items = session ? session.topics.flatMap((topic) => topic.materials.map((m) => [topic, m])) : [];
  if (!items.length) list.append(element("li", t.no_materials, "muted"));
  for (const [topic, material] of items) {
    const li = element("li");
    const a = element("a", material.title);
    a.href = material.url;
    li.append(a, element("small", ` · ${material.kind.toUpperCase()}, ${(material.size / 1048576).toFixed(1)} MB · ${topic.number}. ${topic.title}`, "muted"));
    list.append(li);
  }
}

// -- status bar, queue and rejections -------------------------------------------------------
function renderStatus() {
  const net = $("c-net");
  const netState = link.state();
  net.dataset.state = netState;
  net.textContent = t[netState];
  $("c-queued").textContent = String(state.queued);
  $("c-last-sync").textContent = stamp(state.lastSync);
  const words = [];
  for (const key of state.notices) {
    if (key === "login") words.push(t.login_again);
    else if (key.startsWith("missing:")) words.push(fmt(t.endpoint_missing, { what: t[key.slice(8)] }));
  }
  $("c-message").textContent = words.join(" ");
}

async function renderQueue() {
  const entries = await queue.pending(site);
  state.queued = entries.length;
  const list = $("c-queue-list");
  list.replaceChildren();
  if (!entries.length) list.append(element("li", t.empty_queue, "muted"));
  // After a long outage the queue may hold thousands of scans: show the newest, count the rest.
  const shown = entries.slice(-MAX_QUEUE_SHOWN);
  if (entries.length > shown.length) {
    list.append(element("li", fmt(t.more, { n: entries.length - shown.length }), "muted"));
  }
  for (const e of shown) {
    const li = element("li");
    li.dataset.id = e.id;
    li.dataset.kind = e.kind;
    li.append(element("strong", t[e.kind]), ` ${e.label} `, element("small", clock(e.created_at), "muted"));
    if (e.problem === "endpoint_missing" || e.problem === "login_again") {
      li.append(element("small", ` · ${fmt(t.retry, { s: Math.max(0, Math.round((e.next_at - Date.now()) / 1000)) })}`, "muted"));
    }
    list.append(li);
  }
  const rejected = await queue.rejected(site);
  const box = $("c-rejected");
  box.replaceChildren();
  if (!rejected.length) box.append(element("li", t.no_rejections, "muted"));
  for (const e of rejected) {
    const li = element("li", undefined, "bad");
    li.dataset.id = e.id;
    const button = element("button", t.dismiss, "link");
    button.type = "button";
    button.addEventListener("click", async () => {
      await queue.dismiss(e.id);
      refresh();
    });
    li.append(element("strong", t[e.kind]), ` ${e.label}: `, element("span", e.reason, "c-reason"), " ", button);
    box.append(li);
  }
  settle(entries, rejected);
  renderStatus();
}

// A headcount's or a question's confirmation sits in its own card and follows its entry: saved
// while it waits in the queue, then sent or refused (never left saying "saved" once it is sent).
function confirm(id, entryId, text, kind = "queued") {
  const el = $(id);
  el.textContent = text;
  el.dataset.state = kind;
  if (entryId) el.dataset.id = entryId;
  else delete el.dataset.id;
}

function settle(entries, rejected) {
  for (const id of ["c-headcount-result", "c-question-result"]) {
    const el = $(id);
    const entryId = el.dataset.id;
    if (!entryId || entries.some((e) => e.id === entryId)) continue;
    const refused = rejected.find((e) => e.id === entryId);
    if (refused) confirm(id, null, fmt(t.refused, { why: refused.reason }), "rejected");
    else confirm(id, null, t.sent_ok, "sent");
  }
}

function renderScans() {
  const list = $("c-scans");
  list.replaceChildren();
  for (const scan of state.scans.slice(0, MAX_SCANS_SHOWN)) {
    const li = element("li", undefined, `c-scan-${scan.status}`);
    li.dataset.id = scan.id;
    li.append(element("strong", scan.name || scan.badge), " · ", t[scan.rec] || scan.rec);
    if (scan.again) li.append(" · ", t.again);
    if (scan.other_site) li.append(" · ", t.other_site);
    li.append(" · ", element("span", t[scan.status] || scan.status, "c-scan-status"));
    if (scan.reason) li.append(": ", element("span", scan.reason, "c-reason"));
    list.append(li);
  }
}

// Refreshes run one after another: each reads the queue from IndexedDB, and two overlapping
// ones could otherwise finish out of order and leave an older count on the screen.
let refreshing = Promise.resolve();
function refresh() {
  const run = async () => {
    await renderQueue();
    renderScans();
  };
  refreshing = refreshing.then(run, run);
  return refreshing;
}

// -- the syncer -----------------------------------------------------------------------------
const syncer = new Syncer(cfg, {
  changed: () => refresh(),
  notice(key, on) {
    const had = state.notices.has(key);
    if (on) state.notices.add(key);
    else state.notices.delete(key);
    if (had !== on) renderStatus();
  },
  synced(at) {
    state.lastSync = at;
    renderStatus();
  },
  scanned(entry, result) {
    const scan = state.scans.find((s) => s.id === entry.id);
    if (!scan) return;
    scan.status = result.status === "accepted" ? "sent" : result.status;
    if (result.full_name) scan.name = result.full_name;
    if (result.delegate) scan.code = result.delegate;
    scan.other_site = Boolean(result.other_site);
    scan.reason_code = result.status === "rejected" ? result.reason || "" : "";
    scan.reason = result.status === "rejected" ? cfg.reasons[result.reason] || result.reason || "" : "";
    scans.save(scan);
    // The line under the scanner said what the console could tell offline: now the server's word.
    const line = $("c-scan-result");
    if (line.dataset.id === scan.id) {
      const who = scan.name || scan.badge;
      line.textContent = scan.reason ? `${who} · ${fmt(t.refused, { why: scan.reason })}` : `${who} · ${t.sent_ok}`;
      line.dataset.state = scan.status;
    }
    renderTally();
  },
});

// -- actions --------------------------------------------------------------------------------
async function checkIn(raw) {
  const text = raw.trim();
  if (!text) return;
  const session = selectedSession();
  if (!renderScanner(session)) return; // closed: the line under the scanner says why
  const found = await recognise(text, state.roster);
  const badge = canonical(text); // the address form and the DC1 form are one badge
  const body = {
    id: queue.newId(),
    badge,
    site,
    session: session.id,
    scanned_at: new Date().toISOString(),
  };
  const name = found.person ? found.person.full_name : "";
  await queue.enqueue(site, "checkin", body, name || badge);
  const again = state.scans.some(
    (s) => s.session === body.session && s.status !== "rejected" && (found.code ? s.code === found.code : s.badge === badge),
  );
  const scan = {
    id: body.id,
    site,
    badge,
    code: found.code,
    session: body.session,
    name,
    rec: found.state,
    again,
    status: "queued",
    at: body.scanned_at,
  };
  state.scans.unshift(scan);
  await scans.save(scan);
  const result = $("c-scan-result");
  result.textContent = `${name || badge} · ${t[found.state]}${again ? ` · ${t.again}` : ""}`;
  result.dataset.state = found.state;
  result.dataset.id = body.id;
  renderTally();
  await refresh();
  syncer.run();
}

async function recordHeadcount(event) {
  event.preventDefault();
  const count = Number.parseInt($("c-count").value, 10);
  const session = selectedSession();
  if (!session) return confirm("c-headcount-result", null, t.pick_session, "invalid");
  if (!Number.isInteger(count) || count < 0) return confirm("c-headcount-result", null, t.count_invalid, "invalid");
  const body = { id: queue.newId(), session: session.id, count, note: $("c-note").value.trim() };
  await queue.enqueue(site, "headcount", body, `${count} · ${session.title}`);
  event.target.reset();
  $("c-scan").focus(); // the USB scanner types into whatever has the focus
  confirm("c-headcount-result", body.id, `${count} · ${t.saved}`);
  await refresh();
  syncer.run();
}

async function sendQuestion(event) {
  event.preventDefault();
  const text = $("c-question-text").value.trim();
  if (!text) return confirm("c-question-result", null, t.text_required, "invalid");
  const session = selectedSession();
  const topic = $("c-question-topic").value;
  const body = {
    client_id: queue.newId(),
    site,
    text,
    asker_name: $("c-asker").value.trim(),
    topic: topic ? Number(topic) : null,
    session: session ? session.id : null,
  };
  await queue.enqueue(site, "question", body, text.length > 80 ? `${text.slice(0, 80)}…` : text);
  $("c-question-text").value = "";
  $("c-asker").value = "";
  $("c-scan").focus();
  confirm("c-question-result", body.client_id, t.saved);
  await refresh();
  syncer.run();
}

function flash(text) {
  const el = $("c-scan-result");
  el.textContent = text;
  el.dataset.state = "info";
}

// -- roster ---------------------------------------------------------------------------------
function useRoster(record, fresh) {
  state.roster = new Map(record.items.map((p) => [p.code, p]));
  state.rosterAt = record.at;
  state.rosterFresh = fresh;
  renderRoster();
  renderTally();
}

function renderRoster() {
  const el = $("c-roster");
  if (!state.rosterAt) el.textContent = t.roster_missing;
  else if (state.rosterFresh) el.textContent = fmt(t.roster_count, { n: state.roster.size, at: stamp(state.rosterAt) });
  else el.textContent = fmt(t.roster_offline, { at: stamp(state.rosterAt) });
}

async function loadRoster() {
  const res = await call("GET", `${cfg.api.roster}?site=${encodeURIComponent(site)}`);
  if (res.ok && res.data && Array.isArray(res.data.items)) {
    const record = { site, at: new Date().toISOString(), items: res.data.items };
    await db.put("roster", record);
    useRoster(record, true);
  }
}

// -- live state: the count from the server, the site's questions and their answers -----------
function useLive(live) {
  state.live = live;
  renderTally();
  renderAnswers();
}

async function loadLive() {
  const session = selectedSession();
  const res = await call("GET", `${cfg.api.live}?session=${session ? session.id : ""}`);
  if (res.ok && res.data && Array.isArray(res.data.checked_in)) {
    const live = { ...res.data, key: `live:${site}`, at: new Date().toISOString() };
    await db.put("meta", live); // for a reload without network
    useLive(live);
  }
}

let liveTimer = null;
function liveSoon() {
  clearTimeout(liveTimer);
  liveTimer = setTimeout(loadLive, 1000);
}

function renderAnswers() {
  const list = $("c-answers");
  const questions = (state.live && state.live.questions) || [];
  list.replaceChildren();
  if (!questions.length) list.append(element("li", t.no_questions, "muted"));
  for (const q of questions) {
    const li = element("li");
    li.dataset.id = String(q.id);
    li.append(element("p", q.text, "c-q-text"));
    const meta = [stamp(q.at), q.status_label];
    if (q.asker) meta.push(fmt(t.asked_by, { name: q.asker }));
    if (q.reject_reason) meta.push(q.reject_reason);
    li.append(element("small", meta.join(" · "), "muted"));
    if (q.answer) {
      const box = element("div", undefined, "c-answer");
      box.append(element("strong", fmt(t.answer_from, { sector: q.answer.sector, at: stamp(q.answer.at) })));
      box.append(element("p", q.answer.text));
      li.append(box);
    } else {
      li.append(element("p", t.no_answer, "muted c-no-answer"));
    }
    list.append(li);
  }
}

// The link came back: what was said while it was down is stale. Fetch the roster again (its line
// says "offline copy" until then), the live state, and let the player ask for its stream now.
function reconnected() {
  if (!state.rosterFresh) loadRoster();
  liveSoon();
  player.reconnected();
}

// -- heartbeat ------------------------------------------------------------------------------
function playback() {
  const { playing, buffer, bitrate, latency, dropped_total: total, behind, audio_only } = player.health();
  const dropped = Math.max(0, total - state.dropped);
  state.dropped = total;
  // audio_only: the player fell back to sound only on a weak link; the operations dashboard and
  // the call list show the site as degraded so a technician can call.
  return { playing, buffer, bitrate, latency, dropped_frames: dropped, behind, audio_only: Boolean(audio_only) };
}

async function heartbeat() {
  // A session is reported only while the player has a stream: until the streaming issue fills
  // the slot, every site would otherwise show as "degraded: not playing" during each session.
  const live = programme.running(cfg.sessions);
  const video = $("c-video");
  const showing = Boolean(video.currentSrc || video.srcObject);
  const res = await call("POST", cfg.api.heartbeats, {
    site,
    session: live && showing ? String(live.id) : "",
    ...playback(),
    queued: state.queued,
    version: cfg.version,
  });
  syncer.hooks.notice("login", res.status === 401 || res.status === 403);
  if (res.ok) $("console").dataset.beats = String(Number($("console").dataset.beats || 0) + 1);
  renderStatus();
}

async function tick() {
  try {
    await heartbeat();
    renderSession(); // the topic on now, and the scanner closing when the window ends
    if (state.queued) await syncer.run();
  } finally {
    setTimeout(tick, cfg.heartbeat_s * 1000);
  }
}

// -- camera (BarcodeDetector, where the browser has it) -------------------------------------
async function setUpCamera() {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  try {
    // Desktop Chromium on Linux has the class but no detector behind it: ask for QR support.
    if (!(await BarcodeDetector.getSupportedFormats()).includes("qr_code")) return;
  } catch (error) {
    return;
  }
  const button = $("c-camera");
  const view = $("c-camera-view");
  let stream = null;
  let last = { text: "", at: 0 };
  button.hidden = false;
  button.textContent = t.camera_start;
  const stop = () => {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    view.hidden = true;
    button.textContent = t.camera_start;
  };
  button.addEventListener("click", async () => {
    if (stream) return stop();
    try {
      const detector = new BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      view.srcObject = stream;
      view.hidden = false;
      await view.play();
      button.textContent = t.camera_stop;
      const look = async () => {
        if (!stream) return;
        try {
          for (const code of await detector.detect(view)) {
            const now = Date.now();
            if (code.rawValue !== last.text || now - last.at > 3000) checkIn(code.rawValue);
            last = { text: code.rawValue, at: now };
          }
        } catch (error) {
          /* a frame that cannot be read */
        }
        setTimeout(look, 300);
      };
      look();
    } catch (error) {
      stop();
      flash(t.camera_failed);
    }
  });
}

// -- offline copy of the page ---------------------------------------------------------------
async function keepOffline() {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  try {
    await navigator.serviceWorker.register(`${cfg.sw}?static=${encodeURIComponent(cfg.static)}`);
    const registration = await navigator.serviceWorker.ready;
    const urls = [
      location.pathname,
      ...Array.from(document.querySelectorAll("link[rel=stylesheet], link[rel=modulepreload], script[src]"), (el) => el.href || el.src),
    ];
    await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = resolve;
      registration.active.postMessage({ type: "cache", urls }, [channel.port2]);
      setTimeout(resolve, 15_000);
    });
    $("console").dataset.offline = "1";
  } catch (error) {
    /* no offline copy: the page still works while it stays open */
  }
}

// -- start ----------------------------------------------------------------------------------
async function start() {
  fillSessions();
  renderSession();
  $("c-session").addEventListener("change", (e) => {
    programme.pin(site, e.target.value);
    renderSession();
    liveSoon();
  });
  $("c-scan-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("c-scan");
    const value = input.value;
    input.value = "";
    input.focus();
    checkIn(value);
  });
  $("c-headcount-form").addEventListener("submit", recordHeadcount);
  $("c-question-form").addEventListener("submit", sendQuestion);
  let linkWas = link.state();
  link.onChange(() => {
    renderStatus();
    const now = link.state();
    if (now === "online" && linkWas !== "online") reconnected();
    linkWas = now;
  });
  window.addEventListener("online", async () => {
    await queue.wake(site);
    renderStatus();
    syncer.run();
    heartbeat();
    reconnected();
  });
  window.addEventListener("offline", renderStatus);
  setUpCamera();
  const saved = await db.get("meta", `last_sync:${site}`);
  state.lastSync = saved ? saved.at : null;
  const roster = await db.get("roster", site);
  if (roster) useRoster(roster, false);
  else renderRoster();
  state.scans = await scans.load(site); // the list as it was before a reload
  const live = await db.get("meta", `live:${site}`);
  if (live) useLive(live);
  else renderAnswers();
  await refresh();
  renderTally();
  $("console").dataset.ready = "1";
  tick();
  syncer.run();
  loadRoster();
  loadLive();
  setUpRehearsal(cfg, site, t);
  setInterval(() => navigator.onLine && loadRoster(), ROSTER_REFRESH_MS);
  setInterval(() => navigator.onLine && !document.hidden && loadLive(), LIVE_REFRESH_MS * (0.8 + Math.random() * 0.4));
  keepOffline();
}

start();

// For the browser tests and for support staff at a site (e.g. `diemcau.sync()` in DevTools).
window.diemcau = { sync: () => syncer.run(), queue, state };

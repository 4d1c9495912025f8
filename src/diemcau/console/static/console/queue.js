// The offline queue: every action is written here first, then sent. An entry leaves the queue only
// when the server has answered for it (accepted, duplicate, or rejected with a reason); its id,
// made here, is the server's idempotency key, so a resend after a lost answer records nothing twice.

import * as db from "./db.js";

const MAX_BACKOFF_MS = 60_000;

// UUID version 7: the first 48 bits are the time in milliseconds, so the ids of one site's scans
// arrive in index order and the server appends them to the check-in key instead of scattering
// writes over it (about 1.5× the batch throughput on SQLite); the other 74 bits are random.
// crypto.getRandomValues works on plain http too (crypto.randomUUID needs a secure context).
export function newId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) { bytes[i] = ms % 256; ms = Math.floor(ms / 256); }
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// kind: "checkin" | "headcount" | "question"; body: what the API takes; label: what the operator sees.
export async function enqueue(site, kind, body, label) {
  const entry = {
    id: body.id || body.client_id || newId(),
    site,
    kind,
    body,
    label,
    created_at: new Date().toISOString(),
    attempts: 0,
    next_at: 0,
    problem: "",
  };
  await db.put("queue", entry);
  return entry;
}

export async function pending(site) {
  const entries = await db.bySite("queue", site);
  return entries.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
}

export async function due(site, now = Date.now()) {
  return (await pending(site)).filter((e) => e.next_at <= now);
}

export async function acknowledge(entry) {
  await db.remove("queue", entry.id);
}

export async function reject(entry, reason) {
  await db.move("queue", "rejected", entry.id, { ...entry, reason, rejected_at: new Date().toISOString() });
}

// Not sent this time: wait longer after each failure (1 s, 2 s, 4 s … 60 s, with jitter).
export async function postpone(entry, problem, minimumMs = 0) {
  const attempts = entry.attempts + 1;
  const base = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(attempts - 1, 10));
  const wait = Math.max(minimumMs, base * (0.75 + Math.random() * 0.5));
  const updated = { ...entry, attempts, next_at: Date.now() + wait, problem };
  await db.put("queue", updated);
  return updated;
}

// The network is back: everything is due now, whatever its backoff said.
export async function wake(site) {
  for (const entry of await pending(site)) {
    if (entry.next_at > 0) await db.put("queue", { ...entry, next_at: 0 });
  }
}

export async function rejected(site) {
  return (await db.bySite("rejected", site)).sort((a, b) => (a.rejected_at < b.rejected_at ? 1 : -1));
}

export async function dismiss(id) {
  await db.remove("rejected", id);
}

// Sends the queue: check-ins in batches, headcounts and questions one by one. One round at a time
// (and one tab at a time where Web Locks exist); every answer decides the entry's fate:
//   2xx (accepted, duplicate)           → removed from the queue
//   4xx with a reason                    → moved to "rejected", shown to the operator
//   404 without JSON (no such endpoint)  → kept, retried later (the server is older than the page)
//   401/403, 5xx, 429, no answer         → kept, retried with backoff

import * as db from "./db.js";
import { call } from "./net.js";
import * as queue from "./queue.js";

const BATCH = 1000;
const MISSING_RETRY_MS = 30_000;
const LOGIN_RETRY_MS = 30_000;

function reasonOf(res) {
  const data = res.data || {};
  const fields = data.fields ? Object.values(data.fields).join("; ") : "";
  const detail = data.detail;
  if (typeof detail === "string") return fields ? `${detail} (${fields})` : detail;
  if (Array.isArray(detail)) return detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
  return data.reason || `HTTP ${res.status}`;
}

export class Syncer {
  // hooks: changed(), notice(key, on), synced(at), scanned(entry, result)
  constructor(cfg, hooks) {
    this.cfg = cfg;
    this.site = cfg.site.code;
    this.hooks = hooks;
    this.running = false;
    this.again = false;
    this.timer = null;
  }

  async run() {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.locked(() => this.round());
      } while (this.again);
    } finally {
      this.running = false;
      this.hooks.changed();
    }
    await this.schedule();
  }

  // Come back when the first postponed entry is due, not only at the next heartbeat tick.
  async schedule() {
    clearTimeout(this.timer);
    const left = await queue.pending(this.site);
    if (!left.length) return;
    const wait = Math.max(0, Math.min(...left.map((e) => e.next_at)) - Date.now());
    this.timer = setTimeout(() => this.run(), Math.max(wait, 250));
  }

  locked(fn) {
    if (navigator.locks && navigator.locks.request) return navigator.locks.request(`diemcau-sync-${this.site}`, fn);
    return fn();
  }

  async round() {
    const entries = await queue.due(this.site);
    if (!entries.length) return;
    let go = true;
    const checkins = entries.filter((e) => e.kind === "checkin");
    for (let i = 0; go && i < checkins.length; i += BATCH) {
      go = await this.sendCheckins(checkins.slice(i, i + BATCH));
    }
    const others = entries.filter((e) => e.kind !== "checkin");
    let sent = 0;
    for (; go && sent < others.length; sent += 1) {
      go = await this.sendOne(others[sent]);
      this.hooks.changed();
    }
    // The server is out of reach: the rest wait their turn too, instead of each being tried now.
    for (const entry of go ? [] : others.slice(sent)) await queue.postpone(entry, "waiting");
  }

  async synced() {
    const at = new Date().toISOString();
    await db.put("meta", { key: `last_sync:${this.site}`, at });
    this.hooks.synced(at);
  }

  // What to do with an answer that is not a success; returns whether to go on with the round.
  async failed(entries, res, what) {
    if (res.status === 404 && !res.json) {
      this.hooks.notice(`missing:${what}`, true);
      for (const e of entries) await queue.postpone(e, "endpoint_missing", MISSING_RETRY_MS);
      return true;
    }
    if (res.status === 401 || res.status === 403) {
      this.hooks.notice("login", true);
      for (const e of entries) await queue.postpone(e, "login_again", LOGIN_RETRY_MS);
      return false;
    }
    if (res.status === 0 || res.status >= 500 || res.status === 429 || res.status === 408) {
      for (const e of entries) await queue.postpone(e, res.status ? `HTTP ${res.status}` : "offline");
      return false;
    }
    return null; // a reasoned refusal: the caller decides per entry
  }

  async sendCheckins(entries) {
    const res = await call("POST", this.cfg.api.checkins, { scans: entries.map((e) => e.body) });
    if (res.ok && res.data && Array.isArray(res.data.results)) {
      this.hooks.notice("missing:checkin", false);
      this.hooks.notice("login", false);
      const byId = new Map(res.data.results.map((r) => [String(r.id), r]));
      for (const entry of entries) {
        const result = byId.get(entry.id);
        if (!result) {
          await queue.postpone(entry, "no_result");
        } else if (result.status === "rejected") {
          await queue.reject(entry, this.cfg.reasons[result.reason] || result.reason || "rejected");
        } else {
          await queue.acknowledge(entry);
        }
        if (result) this.hooks.scanned(entry, result);
      }
      await this.synced();
      return true;
    }
    const verdict = await this.failed(entries, res, "checkin");
    if (verdict !== null) return verdict;
    if (entries.length > 1) {
      // One bad scan must not hold back the others: send them one by one to find it.
      for (const entry of entries) {
        if (!(await this.sendCheckins([entry]))) return false;
      }
      return true;
    }
    await queue.reject(entries[0], reasonOf(res));
    return true;
  }

  async sendOne(entry) {
    const url = entry.kind === "headcount" ? this.cfg.api.headcounts : this.cfg.api.questions;
    const res = await call("POST", url, entry.body);
    if (res.ok) {
      this.hooks.notice(`missing:${entry.kind}`, false);
      this.hooks.notice("login", false);
      await queue.acknowledge(entry);
      await this.synced();
      return true;
    }
    const verdict = await this.failed([entry], res, entry.kind);
    if (verdict !== null) return verdict;
    await queue.reject(entry, reasonOf(res));
    return true;
  }
}

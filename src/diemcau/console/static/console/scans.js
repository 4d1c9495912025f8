// The console's scan list and running count. Scans are kept in IndexedDB (store "scans") so the
// list and the count survive a reload or a power cut; the count is the site's registered
// delegates checked in for a session: those the server lists (console live state) together with
// the scans made here that the server has not refused, so it moves at the scan, offline too.

import * as db from "./db.js";

const KEEP_MS = 36 * 3600_000; // a conference day and its evening: older scans are dropped

export async function load(site, now = Date.now()) {
  const all = await db.bySite("scans", site);
  const kept = [];
  for (const scan of all) {
    if (now - Date.parse(scan.at) > KEEP_MS) await db.remove("scans", scan.id);
    else kept.push(scan);
  }
  return kept.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

export async function save(scan) {
  await db.put("scans", scan);
}

// Does this scan put one of the site's own delegates in the count?
function counts(scan, roster) {
  if (!scan.code || !roster.has(scan.code)) return false;
  if (scan.status === "rejected") return scan.reason_code === "already_checked_in";
  if (scan.status === "sent" || scan.status === "duplicate") return true;
  return scan.rec === "genuine" || scan.rec === "typed" || scan.rec === "unverified";
}

// → {n, total, guests}: own delegates checked in for `session`, of `total`; guests seen here.
export function tally(scans, roster, live, session) {
  const own = new Set(live && live.session === session ? live.checked_in : []);
  const guests = new Set();
  for (const scan of scans) {
    if (scan.session !== session) continue;
    if (counts(scan, roster)) own.add(scan.code);
    else if (scan.other_site && (scan.status === "sent" || scan.status === "duplicate")) guests.add(scan.code);
  }
  const total = roster.size || (live ? live.registered : 0);
  return { n: own.size, total, guests: guests.size };
}

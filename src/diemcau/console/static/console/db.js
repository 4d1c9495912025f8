// IndexedDB, promised: the console's only storage, so the queue survives reloads and power cuts.
// Stores: queue (actions not yet acknowledged), rejected (refused by the server, kept visible),
// roster (the site's delegates, for offline badge checks), scans (the scan list shown, kept across
// reloads), meta (last sync time, the last live state…).

const NAME = "diemcau-console";
const VERSION = 2; // 2: the scans store
let opened = null;

export function openDb() {
  if (opened) return opened;
  opened = new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("queue")) {
        db.createObjectStore("queue", { keyPath: "id" }).createIndex("site", "site");
      }
      if (!db.objectStoreNames.contains("rejected")) {
        db.createObjectStore("rejected", { keyPath: "id" }).createIndex("site", "site");
      }
      if (!db.objectStoreNames.contains("roster")) db.createObjectStore("roster", { keyPath: "site" });
      if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "key" });
      if (!db.objectStoreNames.contains("scans")) {
        db.createObjectStore("scans", { keyPath: "id" }).createIndex("site", "site");
      }
    };
    request.onsuccess = () => {
      // A newer page (another tab, after an update) needs the database: let it upgrade.
      request.result.onversionchange = () => request.result.close();
      resolve(request.result);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("IndexedDB blocked by another tab"));
  });
  return opened;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(name, mode) {
  const db = await openDb();
  return db.transaction(name, mode).objectStore(name);
}

export async function put(name, value) {
  return done((await store(name, "readwrite")).put(value));
}

export async function get(name, key) {
  return done((await store(name, "readonly")).get(key));
}

export async function remove(name, key) {
  return done((await store(name, "readwrite")).delete(key));
}

export async function bySite(name, site) {
  return done((await store(name, "readonly")).index("site").getAll(site));
}

// Move one record from one store to another in a single transaction: a rejected action is never
// both queued and rejected, nor lost between the two.
export async function move(from, to, key, value) {
  const db = await openDb();
  const tx = db.transaction([from, to], "readwrite");
  tx.objectStore(from).delete(key);
  tx.objectStore(to).put(value);
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

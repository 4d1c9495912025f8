// The console's service worker: lets the console page open again without network (a reload or a
// browser restart during an outage). Pages and static files go to the network first and fall
// back to the copy kept here; API calls are never intercepted (the queue handles those).

const CACHE = "diemcau-console-v1";
const STATIC = new URL(self.location).searchParams.get("static") || "/static/";
const PAGES = new URL("./", self.location).pathname; // the scope: /console/
const PAGE_TIMEOUT_MS = 5000;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function keep(response) {
  return response.ok && !response.redirected && response.type === "basic";
}

async function remember(urls) {
  const cache = await caches.open(CACHE);
  await Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (keep(response)) await cache.put(url, response);
      } catch (error) {
        /* offline already: keep what we had */
      }
    }),
  );
}

// The page asks to keep its own address and assets once it has loaded.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  event.waitUntil(
    remember(data.urls).then(() => {
      if (event.ports && event.ports[0]) event.ports[0].postMessage("cached");
    }),
  );
});

async function networkFirst(request, timeoutMs) {
  const cache = await caches.open(CACHE);
  const controller = new AbortController();
  const timer = timeoutMs ? setTimeout(() => controller.abort(), timeoutMs) : null;
  try {
    const response = await fetch(request, { signal: controller.signal });
    if (keep(response)) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const copy = await cache.match(request, { ignoreVary: true });
    if (copy) return copy;
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(PAGES)) {
    event.respondWith(networkFirst(request, PAGE_TIMEOUT_MS));
  } else if (url.pathname.startsWith(STATIC)) {
    event.respondWith(networkFirst(request, 0));
  }
});

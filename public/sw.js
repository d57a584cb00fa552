// Huifang's service worker: keeps the app working with no network.
// - precaches exactly the files of this build (the list below is written at build time by
//   scripts/precache.py from Trunk's staging directory; never edit it by hand);
// - answers every navigation with the cached app, so a reload offline still opens it;
// - a new build waits until the user accepts it in the app (SKIP_WAITING), never on its own;
// - leaves /api alone: data goes through the app's own sync, not this cache.

// @precache-start
const BUILD = "unbuilt";
const PRECACHE = [];
// @precache-end

const CACHE = `huifang-${BUILD}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      // cache: "reload" skips the HTTP cache, so the files are this build's, not stale ones.
      cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("huifang-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (data.type === "BUILD" && event.ports && event.ports[0]) {
    event.ports[0].postMessage({ build: BUILD });
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(
      caches.match("/index.html", { cacheName: CACHE }).then((hit) => hit || fetch(request)),
    );
    return;
  }
  event.respondWith(
    caches.match(request, { cacheName: CACHE }).then((hit) => hit || fetch(request)),
  );
});

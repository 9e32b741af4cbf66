// pcapscope's service worker: keeps the page working offline once it has been loaded.
// It only ever caches this site's own files (same-origin GET requests); captures are never
// fetched, so nothing of theirs can end up here.
// `cargo xtask dist` fills in every file of the built site and a version that changes with them.
const PRECACHE = ['./' /* PRECACHE_LIST */];
const CACHE = 'pcapscope-' + 'PRECACHE_VERSION';

self.addEventListener('install', (event) => {
  // Everything the page and its workers load, so the next visit works without a network
  // whatever was fetched before this worker took control.
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)));
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  // Network first (a new release is picked up at once), the cached copy when offline.
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const resp = await fetch(req);
      if (resp.ok) cache.put(req, resp.clone());
      return resp;
    } catch (e) {
      const hit = await cache.match(req, { ignoreSearch: true });
      if (hit) return hit;
      throw e;
    }
  })());
});

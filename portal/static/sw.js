/* Schriftje's service worker: the installable app's offline shell, and notifications.
 *
 * Cached: only the shell (the offline page, the stylesheet, the icons). Never cached:
 * pages, API answers, photos. A page that cannot load while offline shows the offline
 * page instead. Logging out clears everything (the server sends Clear-Site-Data).
 * A push carries {title, body, url, tag, count}: never a photo. */
"use strict";

const SHELL = "schriftje-shell-v1";
const SHELL_FILES = [
  "/offline",
  "/static/schriftje.css",
  "/static/favicon.svg",
  "/static/icons/icon-192.png",
  "/static/icons/badge-96.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== SHELL).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/offline")));
    return;
  }
  if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(fetch(request).catch(() => caches.match(url.pathname)));
  }
});

self.addEventListener("push", (event) => {
  let note = {};
  try {
    note = event.data ? event.data.json() : {};
  } catch (e) {
    note = {};
  }
  const title = note.title || "Schriftje";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: note.body || "",
      tag: note.tag || "schriftje",
      renotify: false,
      icon: "/static/icons/icon-192.png",
      badge: "/static/icons/badge-96.png",
      data: { url: note.url || "/" },
    }),
  );
});

/* Where a notification leads: its page on this site, never anywhere else. */
function notificationTarget(data) {
  const target = new URL((data && data.url) || "/", self.location.origin);
  return target.origin === self.location.origin ? target : new URL("/", self.location.origin);
}
self.notificationTarget = notificationTarget; // the browser test asks it (a click needs a real user)

/* Focuses a window already showing the notification's page, or opens one. */
function openFromNotification(data) {
  const target = notificationTarget(data);
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    for (const client of windows) {
      if (new URL(client.url).pathname === target.pathname && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(target.href);
  });
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openFromNotification(event.notification.data));
});

/* The page says what was read: its notifications go (read on another device clears on next open). */
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "read") return;
  event.waitUntil(
    self.registration.getNotifications().then((shown) => shown.forEach((note) => note.close())),
  );
});

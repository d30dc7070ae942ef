/* The installable app on every page: registers the service worker (offline shell and
 * notifications, see /sw.js) and tells it when the page has been seen, so notifications
 * about what is now read go away. */
"use strict";
(function () {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* no app, the site still works */ });
  });
  function seen() {
    if (document.visibilityState !== "visible" || !navigator.serviceWorker.controller) return;
    navigator.serviceWorker.controller.postMessage({ type: "read" });
  }
  document.addEventListener("visibilitychange", seen);
  window.addEventListener("load", seen);
})();

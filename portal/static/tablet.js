// On an unlocked group tablet (<body data-tablet-lock="seconds">): lock again after
// that long without a touch or key press. The last 30 seconds show a countdown; any
// touch keeps the tablet open. While people use it, a "still here" ping at most every
// 20 seconds moves the server's lock time too (the server locks on its own if the
// page is gone or asleep). Locking posts the header's lock form: the session ends.
(function () {
  "use strict";
  const lockMs = Number(document.body.dataset.tabletLock || 0) * 1000;
  const form = document.getElementById("tablet-lock-form");
  const warning = document.getElementById("tablet-warning");
  if (!lockMs || !form || !warning) return;
  const WARN_MS = Math.min(30000, lockMs / 2);
  const PING_MS = 20000;
  let lastUse = Date.now();
  let lastPing = Date.now();
  let timer = null;
  let locking = false;

  function lockNow() {
    if (locking) return;
    locking = true;
    form.submit();
  }

  function check() {
    clearTimeout(timer);
    const left = lockMs - (Date.now() - lastUse);
    if (left <= 0) return lockNow();
    if (left <= WARN_MS) {
      warning.textContent = warning.dataset.text.replace("{seconds}", String(Math.ceil(left / 1000)));
      warning.hidden = false;
      timer = setTimeout(check, Math.min(1000, left));
    } else {
      warning.hidden = true;
      timer = setTimeout(check, left - WARN_MS);
    }
  }

  function used() {
    if (locking) return;
    const now = Date.now();
    const wasWarning = !warning.hidden;
    lastUse = now;
    if (now - lastPing >= PING_MS) {
      lastPing = now;
      fetch("/api/tablet/activity", {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrf-token": document.querySelector('meta[name="csrf-token"]').content },
      }).then(
        (response) => {
          if (response.status === 401) location.assign("/tablet"); // the server locked already
        },
        () => {} // offline: the server's own lock time decides
      );
    }
    if (wasWarning) check();
  }

  for (const type of ["pointerdown", "keydown", "wheel", "touchstart", "input"]) {
    document.addEventListener(type, used, { capture: true, passive: true });
  }
  // timers sleep with the screen: on waking up, lock if the time has passed
  document.addEventListener("visibilitychange", check);
  check();
})();

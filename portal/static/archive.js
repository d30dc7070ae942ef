// "Download everything": start a build, follow its progress live over the
// WebSocket (progress frames, then archive.ready), fall back to polling the
// archive's state when the socket is not there. No third-party code.
(function () {
  "use strict";
  const box = document.getElementById("archive");
  if (!box) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const part = (name) => box.querySelector('[data-part="' + name + '"]');
  let archiveId = box.dataset.archive ? Number(box.dataset.archive) : null;
  let seq = Number(box.dataset.seq || 0);
  let socket = null;
  let poller = null;

  function show(state) {
    if (state.status === "stale") {
      rebuild(); // something in it may no longer be shared: the server makes a new one when asked
      return;
    }
    part("stale").hidden = !state.replaces_stale && part("stale").hidden;
    box.dataset.status = state.status;
    part("building").hidden = state.status !== "building";
    part("ready").hidden = state.status !== "ready";
    part("failed").hidden = state.status !== "failed";
    part("start").hidden = state.status === "building";
    const bar = box.querySelector("progress");
    bar.value = state.progress || 0;
    bar.textContent = (state.progress || 0) + "%";
    if (state.status === "ready" && state.download_url) {
      part("link").href = state.download_url;
      const size = part("size");
      size.textContent = size.dataset.text
        .replace("{mb}", (state.byte_size / 1048576).toFixed(1))
        .replace("{photos}", String(state.photo_count));
      const expires = part("expires");
      expires.textContent = state.expires_at
        ? expires.dataset.text.replace("{date}", new Date(state.expires_at).toLocaleDateString(document.documentElement.lang, { day: "numeric", month: "long", year: "numeric" }))
        : "";
      part("start").textContent = part("start").dataset.again;
    }
    if (state.status !== "building") stopPolling();
  }

  async function rebuild() {
    part("stale").hidden = false;
    const response = await fetch("/api/children/" + box.dataset.child + "/archive", { credentials: "same-origin" });
    if (!response.ok) {
      location.reload(); // no longer ours at all: the page says so
      return;
    }
    const state = await response.json();
    archiveId = state.id;
    box.dataset.archive = String(state.id);
    show(state);
    startPolling();
  }

  async function refresh() {
    if (archiveId === null) return;
    const response = await fetch("/api/archives/" + archiveId, { credentials: "same-origin" });
    if (response.ok) show(await response.json());
    else if (response.status === 404) location.reload(); // no longer this family's: the page says so
  }

  function startPolling() {
    if (poller === null) poller = setInterval(refresh, 3000);
  }
  function stopPolling() {
    if (poller !== null) clearInterval(poller);
    poller = null;
  }

  function listen() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws");
    socket.onopen = () => socket.send(JSON.stringify({ type: "hello", after: seq }));
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (typeof frame.seq === "number") seq = frame.seq;
      if (frame.type === "ready") {
        stopPolling();
        refresh(); // what happened while the socket was away
      } else if (frame.kind === "archive.progress" && frame.data.id === archiveId) {
        show(frame.data);
      } else if (frame.kind === "archive.ready" && frame.data.id === archiveId) {
        show(frame.data);
      } else if (frame.type === "retract") {
        refresh(); // something was taken back: this archive may have gone stale
      }
    };
    socket.onclose = () => {
      if (box.dataset.status === "building") startPolling();
      setTimeout(listen, 5000);
    };
  }

  part("start").addEventListener("click", async () => {
    part("start").disabled = true;
    try {
      const response = await fetch("/api/children/" + box.dataset.child + "/archive", {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrf-token": csrf },
      });
      const body = await response.json();
      if (!response.ok) {
        part("failed").textContent = body.detail || part("failed").textContent;
        part("failed").hidden = false;
        return;
      }
      archiveId = body.id;
      box.dataset.archive = String(body.id);
      show(body);
      if (!socket || socket.readyState !== WebSocket.OPEN) startPolling();
    } finally {
      part("start").disabled = false;
    }
  });

  listen();
  if (box.dataset.status === "building") startPolling();
})();

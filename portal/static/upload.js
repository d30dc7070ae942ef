// The tablet's photo page. Each chosen photo gets a card: tag the children (each
// shows its consent status before anything is sent), drag a rectangle to mask a
// child, see who would receive what (the server's preview), then send. A photo is
// written to IndexedDB with its idempotency key before it is sent and removed only
// when the server confirmed it, so a reload or a dropped connection resends it with
// the same key: the server answers with the photo it already has, never a second.
// Progress per photo (XHR upload events), then its processing status from the API.
// Photos the consent rules blocked (at upload, or later by a withdrawal) are listed
// under "Niet gedeeld": re-open one, mask the children that block it, share again.
// A video clip goes the same way to the clip endpoint, without masks (a video cannot
// be masked: the preview says who would receive it, or which child blocks it), and
// its conversion's percentage arrives as progress frames over the socket.
// No third-party code.
(function () {
  "use strict";
  const root = document.getElementById("upload");
  if (!root) return;
  const { say, csrf, h, postJSON } = window.Schriftje;
  const groupSelect = document.getElementById("upload-group");
  const fileInput = document.getElementById("upload-files");
  const list = document.getElementById("upload-list");
  const sendButton = document.getElementById("upload-send");
  const reopenSection = document.getElementById("reopen");
  const reopenList = document.getElementById("reopen-list");
  const FINAL = new Set(["ready", "blocked", "failed"]);
  let children = []; // the selected group's current children with their consent status
  const items = new Map(); // key -> item

  // ---- the queue in IndexedDB -----------------------------------------------------

  const database = new Promise((resolve, reject) => {
    const request = indexedDB.open("schriftje-uploads", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("queue", { keyPath: "key" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

  async function queue(operation, value) {
    const db = await database;
    return new Promise((resolve, reject) => {
      const store = db.transaction("queue", operation === "all" ? "readonly" : "readwrite").objectStore("queue");
      const request = operation === "put" ? store.put(value) : operation === "delete" ? store.delete(value) : store.getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function newKey() {
    const random = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + "-" + Math.random().toString(36).slice(2);
    return "tablet-" + random;
  }

  // ---- rendering ------------------------------------------------------------------

  const nameOf = (item, id) => (item.names && item.names[id]) || (children.find((c) => c.id === id) || {}).name || "?";

  function render(item) {
    const editable = item.state === "draft";
    const reopened = item.state === "reopened";
    const shot = item.shot && !item.shotChanged ? item.shot : shotOf(item, editable || reopened);
    item.shot = shot; // kept across renders, so a preview or progress update never interrupts a drag
    item.shotChanged = false;
    const side = h("div", { class: "side" }, h("p", {}, h("strong", { text: item.name })));
    if (editable) {
      const captionId = "caption-" + item.key;
      side.append(
        h("label", { for: captionId, text: say("upload.caption") }),
        h("input", { id: captionId, type: "text", maxlength: 500, value: item.caption, oninput: (e) => (item.caption = e.target.value) }),
        h(
          "fieldset",
          {},
          h("legend", { text: say("upload.who") }),
          h(
            "div",
            { class: "tags" },
            children.map((child) =>
              h(
                "button",
                { type: "button", class: "tag-child", "aria-pressed": String(item.children.has(child.id)), "data-status": child.status, "data-child": child.id, onclick: () => toggle(item, child.id) },
                child.name,
                h("span", { class: "consent", text: child.status_text }),
              ),
            ),
          ),
        ),
        h(
          "div",
          { class: "masks" },
          [...item.children].map((id) =>
            id in item.masks
              ? h("button", { type: "button", class: "secondary", text: say("upload.unmask", { name: nameOf(item, id) }), onclick: () => unmask(item, id) })
              : h("button", { type: "button", class: "secondary", text: say("upload.mask", { name: nameOf(item, id) }), onclick: () => startDrawing(item, id) }),
          ),
        ),
      );
      if (item.drawing) side.append(h("p", { class: "notice", role: "status", text: say("upload.drawing", { name: nameOf(item, item.drawing) }) }));
      if (item.video) side.querySelector(".masks").replaceWith(h("p", { class: "muted", text: say("upload.video_no_masks") }));
    } else if (reopened) {
      side.append(
        h("p", { class: "error", text: item.reason }),
        h(
          "div",
          { class: "masks" },
          [...item.children].filter((id) => !item.fixed.has(id)).map((id) =>
            id in item.masks
              ? h("button", { type: "button", class: "secondary", text: say("upload.unmask", { name: nameOf(item, id) }), onclick: () => unmask(item, id) })
              : h("button", { type: "button", class: "secondary", text: say("upload.mask", { name: nameOf(item, id) }), onclick: () => startDrawing(item, id) }),
          ),
        ),
      );
      if (item.drawing) side.append(h("p", { class: "notice", role: "status", text: say("upload.drawing", { name: nameOf(item, item.drawing) }) }));
      side.append(h("button", { type: "button", "data-testid": "reshare", text: say("upload.reshare"), onclick: () => reshare(item) }));
      if (item.problem) side.append(h("p", { class: "error", role: "alert", text: item.problem }));
    } else if (item.children.size) {
      side.append(h("p", { class: "muted", text: [...item.children].map((id) => nameOf(item, id)).join(", ") }));
    }
    if (!reopened) side.append(previewOf(item));
    if (item.state !== "draft" && !reopened) side.append(progressOf(item));
    const actions = h("p", {});
    if (editable) actions.append(h("button", { type: "button", class: "link", text: say("upload.remove"), onclick: () => remove(item) }));
    if (item.state === "offline") actions.append(h("button", { type: "button", text: say("upload.retry"), onclick: () => send(item) }));
    side.append(actions);
    const card = h("li", { class: "card upload", "data-key": item.key, "data-state": item.state, "data-testid": "upload" }, shot, side);
    const where = item.list || list;
    const old = where.querySelector(`[data-key="${item.key}"]`);
    if (old) old.replaceWith(card);
    else where.append(card);
    sendButton.hidden = ![...items.values()].some((i) => i.state === "draft");
  }

  function shotOf(item, editable) {
    const picture = item.video
      ? h("video", { src: item.url, muted: "", playsinline: "", preload: "metadata", controls: "", "aria-label": item.name })
      : h("img", { src: item.url, alt: item.name, draggable: "false" });
    const shot = h("div", { class: "shot" + (item.drawing ? " drawing" : ""), "data-part": "shot" }, picture);
    for (const [id, box] of Object.entries(item.masks)) {
      shot.append(
        h("div", { class: "mask-box", "data-testid": "mask", style: { left: box.x * 100 + "%", top: box.y * 100 + "%", width: box.w * 100 + "%", height: box.h * 100 + "%" } }, h("span", { text: nameOf(item, Number(id)) })),
      );
    }
    if (editable) bindDrawing(item, shot);
    return shot;
  }

  function previewOf(item) {
    const box = h("div", { class: "who", "data-testid": "receives", role: "status", "aria-live": "polite" });
    const result = item.preview;
    if (!result) return box;
    if (result.blocked_by && result.blocked_by.length) {
      box.append(h("p", { class: "error", text: result.message }));
      return box;
    }
    box.append(
      h(
        "ul",
        { class: "receives" },
        result.families.map((family) =>
          h("li", {}, h("strong", { text: family.children.length ? say("upload.family", { names: family.children.map((c) => c.name.split(" ")[0]).join(", ") }) : say("upload.everyone") }), ": " + family.text),
        ),
      ),
    );
    return box;
  }

  function progressOf(item) {
    const text = {
      queued: say("upload.queued"),
      uploading: say("upload.uploading", { percent: Math.round(item.progress * 100) }),
      processing: item.percent ? say("upload.video_processing", { percent: item.percent }) : say("upload.processing"),
      ready: say("upload.ready"),
      blocked: say("upload.blocked", { reason: item.reason || "" }),
      failed: say("upload.failed", { reason: item.reason || "" }),
      offline: say("upload.offline"),
      rejected: say("upload.rejected", { detail: item.reason || "" }),
    }[item.state];
    const bad = ["blocked", "failed", "offline", "rejected"].includes(item.state);
    return h(
      "div",
      {},
      item.restored ? h("p", { class: "muted", text: say("upload.restored") }) : null,
      h("progress", { max: 100, value: item.state === "uploading" ? Math.round(item.progress * 100) : item.state === "queued" ? 0 : item.state === "processing" && item.percent ? item.percent : 100, "aria-label": item.name }),
      h("p", { class: bad ? "error" : item.state === "ready" ? "notice" : "muted", "data-testid": "upload-status", text }),
    );
  }

  // ---- tagging, masking, preview --------------------------------------------------

  function toggle(item, id) {
    item.shotChanged = true;
    if (item.children.has(id)) {
      item.children.delete(id);
      delete item.masks[id];
    } else item.children.add(id);
    render(item);
    schedulePreview();
  }

  function unmask(item, id) {
    item.shotChanged = true;
    delete item.masks[id];
    render(item);
    schedulePreview();
  }

  function startDrawing(item, id) {
    item.shotChanged = true;
    item.drawing = id;
    render(item);
    item.shot.scrollIntoView({ block: "nearest" }); // the photo is where the finger goes next
  }

  function bindDrawing(item, shot) {
    let start = null;
    let box = null;
    const at = (event) => {
      const rect = shot.getBoundingClientRect();
      return { x: Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)), y: Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height)) };
    };
    shot.addEventListener("pointerdown", (event) => {
      if (!item.drawing) return;
      event.preventDefault();
      shot.setPointerCapture(event.pointerId);
      start = at(event);
      box = h("div", { class: "mask-box" });
      shot.append(box);
    });
    shot.addEventListener("pointermove", (event) => {
      if (!start) return;
      const now = at(event);
      Object.assign(box.style, { left: Math.min(start.x, now.x) * 100 + "%", top: Math.min(start.y, now.y) * 100 + "%", width: Math.abs(now.x - start.x) * 100 + "%", height: Math.abs(now.y - start.y) * 100 + "%" });
    });
    shot.addEventListener("pointerup", (event) => {
      if (!start) return;
      const now = at(event);
      const rect = { x: Math.min(start.x, now.x), y: Math.min(start.y, now.y), w: Math.abs(now.x - start.x), h: Math.abs(now.y - start.y) };
      start = null;
      item.shotChanged = true;
      if (rect.w >= 0.02 && rect.h >= 0.02) {
        item.masks[item.drawing] = Object.fromEntries(Object.entries(rect).map(([k, v]) => [k, Math.round(v * 10000) / 10000]));
        item.drawing = null;
        schedulePreview();
      }
      render(item);
    });
  }

  let previewTimer = null;
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, 250);
  }

  async function preview() {
    const drafts = [...items.values()].filter((item) => item.state === "draft");
    if (!drafts.length) return;
    const photos = drafts.map((item) => ({ children: [...item.children], masks: item.video ? {} : item.masks }));
    const response = await postJSON("/api/groups/" + groupSelect.value + "/photos/preview", { photos }).catch(() => null);
    if (!response || !response.ok) return;
    const answer = await response.json();
    drafts.forEach((item, index) => {
      item.preview = answer.photos[index];
      render(item);
    });
  }

  // ---- re-opening a blocked photo ---------------------------------------------------

  async function loadBlocked() {
    for (const item of [...items.values()]) if (item.list === reopenList && item.state === "reopened") items.delete(item.key);
    reopenList.replaceChildren();
    const response = await fetch("/api/groups/" + groupSelect.value + "/photos", { credentials: "same-origin" }).catch(() => null);
    const photos = response && response.ok ? (await response.json()).photos.filter((p) => p.status === "blocked" && p.preview_url) : [];
    for (const photo of photos) {
      const item = {
        key: "photo-" + photo.id,
        photoId: photo.id,
        list: reopenList,
        name: photo.file_name,
        url: photo.preview_url,
        children: new Set(photo.tags.map((t) => t.id)),
        names: Object.fromEntries(photo.tags.map((t) => [t.id, t.name])),
        fixed: new Set(photo.tags.filter((t) => t.masked).map((t) => t.id)),
        masks: {},
        state: "reopened",
        reason: photo.reason_text,
      };
      items.set(item.key, item);
      render(item);
    }
    reopenSection.hidden = photos.length === 0;
  }

  async function reshare(item) {
    item.drawing = null;
    item.problem = "";
    const response = await postJSON("/api/photos/" + item.photoId + "/share", { masks: item.masks }).catch(() => null);
    if (response && response.status === 202) {
      item.state = "processing";
      item.expectChange = true; // still "blocked" until the worker applied the new masks
      item.shotChanged = true;
      render(item);
      follow(item);
    } else {
      item.problem = response ? (await response.json().catch(() => ({}))).detail || String(response.status) : say("upload.offline");
      render(item);
    }
  }

  async function loadChildren() {
    const response = await fetch("/api/groups/" + groupSelect.value + "/consents", { credentials: "same-origin" });
    children = response.ok ? (await response.json()).children.map((c) => ({ id: c.id, name: c.name.split(" ")[0], status: c.status, status_text: c.status_text })) : [];
    for (const item of items.values()) {
      if (item.state !== "draft") continue;
      item.children = new Set([...item.children].filter((id) => children.some((c) => c.id === id)));
      render(item);
    }
    schedulePreview();
  }

  // ---- choosing, sending, following ----------------------------------------------

  // an iPad's HEIC: most browsers cannot show it, so the server's decoder makes the picture
  // to tag and mask on (upright the same way as the photo it will process)
  const isHeic = (file) => /^image\/hei[cf]/i.test(file.type || "") || /\.hei[cf]$/i.test(file.name || "");

  async function showable(item) {
    if (!isHeic(item.blob)) {
      item.url = URL.createObjectURL(item.blob);
      return;
    }
    item.url = null;
    const form = new FormData();
    form.append("file", item.blob, item.name);
    const response = await fetch("/api/photos/preview-image", { method: "POST", credentials: "same-origin", headers: { "x-csrf-token": csrf() }, body: form }).catch(() => null);
    if (response && response.ok) item.url = URL.createObjectURL(await response.blob());
    item.shotChanged = true;
    render(item);
  }

  const isVideo = (file) => /^video\//i.test(file.type || "") || /\.(mov|mp4|m4v)$/i.test(file.name || "");

  function add(file) {
    const item = { key: newKey(), group: Number(groupSelect.value), name: file.name, blob: file, url: null, caption: "", children: new Set(), masks: {}, state: "draft", progress: 0, video: isVideo(file) };
    items.set(item.key, item);
    showable(item);
    render(item);
  }

  function remove(item) {
    items.delete(item.key);
    if (item.url) URL.revokeObjectURL(item.url);
    list.querySelector(`[data-key="${item.key}"]`).remove();
    sendButton.hidden = ![...items.values()].some((i) => i.state === "draft");
  }

  function record(item) {
    const names = Object.fromEntries([...item.children].map((id) => [id, nameOf(item, id)]));
    return { key: item.key, group: item.group, name: item.name, blob: item.blob, caption: item.caption, children: [...item.children], masks: item.masks, names, video: item.video };
  }

  function post(item) {
    return new Promise((resolve) => {
      const form = new FormData();
      const spec = { key: item.key, children: [...item.children], caption: item.caption || "" };
      if (!item.video) spec.masks = item.masks;
      form.append(item.video ? "clips" : "photos", JSON.stringify([spec]));
      form.append("file", item.blob, item.name);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/groups/" + item.group + (item.video ? "/clips" : "/photos"));
      xhr.setRequestHeader("x-csrf-token", csrf());
      xhr.setRequestHeader("accept", "application/json");
      xhr.upload.onprogress = (event) => {
        if (!event.lengthComputable) return;
        item.progress = event.loaded / event.total;
        render(item);
      };
      xhr.onload = () => {
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (ignored) {
          /* not JSON */
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => resolve({ status: 0, body: null });
      xhr.send(form);
    });
  }

  let sending = Promise.resolve();
  function send(item) {
    item.state = "queued";
    render(item);
    sending = sending.then(() => sendNow(item)); // one at a time: a tablet's upload link is the bottleneck
    return sending;
  }

  async function sendNow(item) {
    item.state = "uploading";
    item.progress = 0;
    render(item);
    const { status, body } = await post(item);
    if (status === 200 || status === 201) {
      await queue("delete", item.key);
      item.photoId = body.photos[0].id;
      item.state = "processing";
      render(item);
      if (item.video) listen();
      follow(item);
    } else if (status === 0 || status >= 500 || status === 429) {
      item.state = "offline"; // kept in the queue; sent again with the same key
      render(item);
    } else {
      await queue("delete", item.key);
      item.state = "rejected";
      item.reason = (body && body.detail) || String(status);
      render(item);
    }
  }

  async function follow(item) {
    for (let attempt = 0; attempt < 240 && !FINAL.has(item.state); attempt++) {
      const response = await fetch("/api/photos/" + item.photoId, { credentials: "same-origin" }).catch(() => null);
      if (response && response.ok) {
        const photo = await response.json();
        const unchanged = item.expectChange && photo.status === "blocked" && attempt < 40; // the re-share job has not run yet
        if (FINAL.has(photo.status) && !unchanged) {
          item.state = photo.status;
          item.reason = photo.reason_text || photo.reason || "";
          render(item);
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(4000, 500 + attempt * 250)));
    }
  }

  // ---- a clip's conversion, live ----------------------------------------------------

  let socket = null;
  async function listen() {
    if (socket) return;
    socket = "opening";
    const state = await fetch("/api/feed?after=2147483647&limit=1", { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", after: state ? state.last_seq : 0 }));
    ws.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.kind !== "photo_upload.progress") return;
      for (const item of items.values()) {
        if (item.photoId === frame.data.id && item.state === "processing") {
          item.percent = frame.data.progress;
          render(item);
        }
      }
    };
    ws.onclose = () => {
      socket = null; // the status is still polled; the next clip opens a new one
    };
    socket = ws;
  }

  async function sendAll() {
    const drafts = [...items.values()].filter((item) => item.state === "draft");
    for (const item of drafts) {
      item.drawing = null;
      item.shotChanged = true; // no more drawing once it is queued
      await queue("put", record(item)); // on disk before the first byte leaves
      item.state = "queued";
      render(item);
    }
    for (const item of drafts) send(item);
  }

  async function restore() {
    for (const saved of await queue("all")) {
      const item = Object.assign({}, saved, { url: null, children: new Set(saved.children), state: "queued", progress: 0, restored: true });
      items.set(item.key, item);
      showable(item);
      send(item);
    }
  }

  fileInput.addEventListener("change", () => {
    for (const file of fileInput.files) add(file);
    fileInput.value = "";
    schedulePreview();
  });
  groupSelect.addEventListener("change", () => loadChildren().then(loadBlocked));
  sendButton.addEventListener("click", sendAll);
  window.addEventListener("online", () => {
    for (const item of items.values()) if (item.state === "offline") send(item);
  });

  loadChildren().then(restore).then(loadBlocked);
})();

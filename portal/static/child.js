// A child's own page: the conversation between family and group (oldest first, with a
// form), the diary and the child's photos, each loaded from the API and loaded again
// when the live feed says something about this child changed. The page keeps its own
// socket to /ws (hello with the seq it was made at) and passes every frame on as a
// "schriftje:frame" event, so the day (day.js) follows too. Messages from the other
// side are marked read once shown. No third-party code, no innerHTML of content.
(function () {
  "use strict";
  const stateNode = document.getElementById("child-state");
  if (!stateNode) return;
  const state = JSON.parse(stateNode.textContent);
  const { say, h, postJSON } = window.Schriftje;
  const lang = document.documentElement.lang || "nl";
  const child = state.child;
  const isParent = state.user.role === "parent";
  const status = document.querySelector('[data-testid="live-status"]');
  const thread = document.getElementById("thread");
  const diary = document.getElementById("diary");
  const photos = document.getElementById("photos");
  const medication = document.getElementById("medication");
  const timeZone = (document.getElementById("day-parent") || { dataset: {} }).dataset.zone || undefined; // the organisation's
  const when = (iso) => new Date(iso).toLocaleString(lang, { weekday: "short", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", timeZone });
  let seq = state.seq;

  async function getJSON(path) {
    const response = await fetch(path, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }

  function card(item, extra) {
    return h(
      "li",
      { class: "card item " + (item.author_role || ""), "data-testid": "child-item" },
      h("header", { class: "card-head" }, h("strong", { text: item.author || "" }), h("span", { class: "muted" }, h("time", { datetime: item.created_at, text: when(item.created_at) }), item.edited_at ? " · " + say("feed.edited") : "")),
      h("p", { class: "body", text: item.body }),
      extra || null,
    );
  }

  async function loadThread() {
    const page = await getJSON("/api/children/" + child.id + "/messages?limit=50");
    const items = page.items.slice().reverse(); // oldest first, like a conversation
    thread.querySelector('[data-part="messages"]').replaceChildren(
      ...items.map((m) => card(m, m.author_role === "parent" && m.read_by_staff_at && isParent ? h("p", { class: "notice", text: "✓ " + say("feed.read_by_staff") }) : null)),
    );
    thread.querySelector('[data-part="empty"]').hidden = items.length > 0;
    const unread = items.filter((m) => m.author_role !== (isParent ? "parent" : "staff")).map((m) => ({ content: "message", id: m.id }));
    if (unread.length && document.visibilityState === "visible") postJSON("/api/read", { items: unread }).catch(() => null);
  }

  async function loadDiary() {
    const page = await getJSON("/api/children/" + child.id + "/diary?limit=50");
    diary.querySelector('[data-part="entries"]').replaceChildren(...page.items.map((entry) => card(entry)));
    diary.querySelector('[data-part="empty"]').hidden = page.items.length > 0;
  }

  async function loadPhotos() {
    const answer = await getJSON("/api/children/" + child.id + "/photos");
    photos.querySelector('[data-part="grid"]').replaceChildren(
      ...answer.photos.map((p) =>
        p.video // a clip: its poster with a play badge; the phone's own player opens the 720p file on a tap
          ? h(
              "a",
              { href: p.video.urls["720"], class: "photo-tile clip-tile", "data-testid": "child-clip", "aria-label": say("feed.play_video", { duration: Math.round((p.video.duration_ms || 0) / 1000) + " s" }) },
              h("img", { src: p.urls.small, alt: p.caption || say("feed.video_alt_plain"), loading: "lazy", width: p.width, height: p.height }),
              h("span", { class: "clip-badge", "aria-hidden": "true", text: "▶" }),
            )
          : h("a", { href: p.urls.display, class: "photo-tile", "data-testid": "child-photo" }, h("img", { src: p.urls.small, alt: p.caption || say("feed.photo_alt_plain"), loading: "lazy", width: p.width, height: p.height })),
      ),
    );
    photos.querySelector('[data-part="empty"]').hidden = answer.photos.length > 0;
  }

  async function loadMedication() {
    const answer = await getJSON("/api/children/" + child.id + "/medication");
    medication.querySelector('[data-part="list"]').replaceChildren(
      ...answer.instructions.map((i) =>
        h(
          "li",
          { "data-testid": "instruction" },
          h("strong", { text: i.name }),
          " · " + i.dose + (i.when ? " · " + i.when : "") + (i.until ? " · " + say("child_page.medication_until_short", { date: new Date(i.until + "T12:00:00Z").toLocaleDateString(lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }) }) : ""),
          isParent ? h("button", { type: "button", class: "link danger-link", "data-end": i.id, text: say("child_page.medication_end") }) : null,
        ),
      ),
    );
    medication.querySelector('[data-part="empty"]').hidden = answer.instructions.length > 0;
  }

  medication.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-end]");
    if (!button) return;
    button.disabled = true;
    await fetch("/api/medication/" + button.dataset.end, {
      method: "DELETE",
      credentials: "same-origin",
      headers: { "x-csrf-token": window.Schriftje.csrf() },
    }).catch(() => null);
    loadMedication().catch(() => null);
  });

  // a guardian shares photos of their own child: the same pipeline; the child's family and group see them
  const share = photos.querySelector('[data-part="share"]');
  if (share) {
    share.addEventListener("submit", async (event) => {
      event.preventDefault();
      const note = share.querySelector('[data-part="status"]');
      const files = [...share.elements.file.files];
      if (!share._keys || share._keys.length !== files.length) share._keys = files.map(() => "ouder-" + (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2)));
      const body = new FormData();
      body.append("photos", JSON.stringify(files.map((file, index) => ({ key: share._keys[index], caption: share.elements.caption.value }))));
      for (const file of files) body.append("file", file, file.name);
      note.className = "form-status";
      note.textContent = say("feed.sending");
      const response = await fetch("/api/children/" + child.id + "/photos", { method: "POST", credentials: "same-origin", headers: { "x-csrf-token": window.Schriftje.csrf(), accept: "application/json" }, body }).catch(() => null);
      if (response && response.ok) {
        share.reset();
        share._keys = null; // sent: the next photos are new ones
        note.textContent = say("child_page.share_sent");
      } else {
        note.className = "form-status error";
        note.textContent = response ? say("feed.failed", { detail: (await response.json().catch(() => ({}))).detail || response.statusText }) : say("feed.network_failed");
      }
    });
  }

  const loaders = { message: loadThread, diary_entry: loadDiary, photo: loadPhotos, medication: loadMedication };
  const pending = new Set();
  let timer = null;
  function reload(what) {
    pending.add(what);
    clearTimeout(timer);
    timer = setTimeout(() => {
      for (const name of pending) loaders[name]().catch(() => null);
      pending.clear();
    }, 150);
  }

  function about(frame) {
    const [content] = frame.kind.split(".");
    const data = frame.data || {};
    if (frame.type === "retract" && data.ref && data.ref.content === "child" && data.ref.id === child.id) location.reload();
    if (content === "photo") return reload("photo");
    if ((content === "message" || content === "diary_entry") && (data.deleted || (data.child && data.child.id === child.id))) reload(content);
  }

  // ---- the socket ---------------------------------------------------------------------

  let attempts = 0;
  function setStatus(name) {
    status.dataset.state = name;
    status.textContent = say("feed." + (name === "live" ? "live" : name === "signed_out" ? "signed_out" : name === "offline" ? "offline" : "connecting"));
  }
  function connect() {
    setStatus("connecting");
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", after: seq }));
    ws.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === "ready") {
        attempts = 0;
        seq = Math.max(seq, frame.seq);
        setStatus("live");
      } else if ((frame.type === "event" || frame.type === "retract") && frame.seq > seq) {
        seq = frame.seq;
        about(frame);
        document.dispatchEvent(new CustomEvent("schriftje:frame", { detail: { frame, live: true } }));
      } else if (frame.type === "reset") {
        seq = frame.seq;
        for (const name of Object.keys(loaders)) reload(name);
      }
    };
    ws.onclose = (event) => {
      if (event.code === 4401) return setStatus("signed_out");
      setStatus("offline");
      const delay = Math.min(30000, 500 * 2 ** attempts) * (0.5 + Math.random() / 2);
      attempts += 1;
      setTimeout(connect, delay);
    };
  }

  document.addEventListener("schriftje:sent", (event) => reload(event.target.closest("#medication") ? "medication" : "message")); // ours, at once
  for (const name of Object.keys(loaders)) loaders[name]().catch(() => null);
  connect();
})();

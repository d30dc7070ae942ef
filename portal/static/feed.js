// The live feed on the home page. It starts from the page's JSON state (the newest
// items, the seq to resume from), then keeps one WebSocket to /ws: hello with the
// last processed seq, replay, ready, live events. After the phone slept, the
// network dropped or the server restarted it reconnects with backoff and jitter and
// the server replays exactly what was missed; an event whose seq was already
// processed is ignored, so nothing shows twice. Cards are keyed by content and id:
// an edit, a read receipt or a re-shared photo replaces its card in place, a
// delete or a retract removes it. No third-party code, no innerHTML of content.
(function () {
  "use strict";
  const list = document.getElementById("feed");
  if (!list) return;
  const state = JSON.parse(document.getElementById("feed-state").textContent);
  const { say, h, postJSON: post } = window.Schriftje;
  const lang = document.documentElement.lang || "nl";
  const me = state.user;
  const isParent = me.role === "parent";
  const pinnedBox = document.getElementById("pinned");
  const status = document.querySelector('[data-testid="live-status"]');
  const olderButton = document.getElementById("feed-older");
  const empty = document.getElementById("feed-empty");
  const lightbox = document.getElementById("lightbox");
  const cards = new Map(); // "content:id" -> <li>
  const removedAt = new Map(); // photo id -> the seq where its card stood before a retraction
  const pinned = new Set(state.pinned.map((post) => post.id));
  const unreadAtLoad = state.read_seq;
  const toMarkRead = new Map(); // "content:id" -> {content, id}
  const baseTitle = document.title;
  let seq = 0; // the last seq processed; the socket resumes after it
  let oldest = null; // the lowest seq shown, for loading older items
  let unseen = 0; // live items that arrived while the page was hidden

  // ---- rendering ------------------------------------------------------------------

  const when = (iso) =>
    new Date(iso).toLocaleString(lang, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  const day = (iso) => new Date(iso + "T12:00:00").toLocaleDateString(lang, { weekday: "long", day: "numeric", month: "long" });
  const paragraphs = (text) => (text || "").split(/\n{2,}/).map((part) => h("p", { class: "body", text: part }));

  function header(title, data) {
    return h(
      "header",
      { class: "card-head" },
      h("strong", { text: title }),
      h(
        "span",
        { class: "muted" },
        data.author ? say("feed.by", { name: data.author }) + " · " : "",
        h("time", { datetime: data.created_at, text: when(data.created_at) }),
        data.edited_at ? " · " + say("feed.edited") : "",
      ),
    );
  }

  function groupPost(data) {
    const parts = [header(say("feed.group_post", { group: data.group.name }), data), ...paragraphs(data.body)];
    if (isParent && pinned.has(data.id)) {
      parts.push(
        h(
          "div",
          { class: "confirm" },
          h("p", { text: say("feed.asks_confirm") }),
          h("button", { type: "button", "data-action": "ack", "data-post": data.id, text: say("feed.confirm") }),
        ),
      );
    }
    if (data.confirmed_by) parts.push(h("p", { class: "notice", text: data.confirmed_by }));
    if (isParent) parts.push(replyForm(data));
    if (!isParent && data.requires_ack) {
      parts.push(h("button", { type: "button", class: "link", "data-action": "acks", "data-post": data.id, text: say("feed.acks") }));
      parts.push(h("p", { class: "muted", "data-part": "acks" }));
    }
    if (!isParent) {
      parts.push(h("button", { type: "button", class: "link", "data-action": "readers", "data-post": data.id, "data-testid": "readers", text: say("feed.readers") }));
      parts.push(h("p", { class: "muted", "data-part": "readers" }));
    }
    return parts;
  }

  function replyForm(post) {
    const mine = state.children.filter((child) => child.group_id === post.group.id);
    if (!mine.length) return null;
    const fieldId = "reply-" + post.id;
    return h(
      "details",
      { class: "reply" },
      h("summary", { text: say("feed.reply") }),
      h(
        "form",
        { "data-api": "/api/posts/" + post.id + "/replies" },
        mine.length > 1
          ? h("select", { name: "child_id", "data-number": true, "aria-label": say("feed.reply") }, mine.map((c) => h("option", { value: c.id, text: c.name })))
          : h("input", { type: "hidden", name: "child_id", value: mine[0].id, "data-number": true }),
        h("label", { for: fieldId, class: "muted", text: say("feed.reply_hint") }),
        h("textarea", { id: fieldId, name: "body", rows: 2, required: true, maxlength: 5000 }),
        h("button", { type: "submit", text: say("feed.send") }),
        h("p", { class: "form-status", "data-part": "status", role: "status", "aria-live": "polite" }),
      ),
    );
  }

  // staff answer a parent's message in the child's thread, from the card
  function staffReply(data) {
    const fieldId = "answer-" + data.id;
    return h(
      "details",
      { class: "reply" },
      h("summary", { text: say("feed.answer") }),
      h(
        "form",
        { "data-api": "/api/children/" + data.child.id + "/messages", "data-testid": "answer-form" },
        h("label", { for: fieldId, class: "muted", text: say("feed.answer_hint", { child: data.child.name }) }),
        h("textarea", { id: fieldId, name: "body", rows: 2, required: true, maxlength: 5000 }),
        h("button", { type: "submit", text: say("feed.send") }),
        h("p", { class: "form-status", "data-part": "status", role: "status", "aria-live": "polite" }),
      ),
    );
  }

  // the author's own item, within the organisation's edit window: edit (text) and delete
  const SEGMENTS = { group_post: "posts", diary_entry: "diary", message: "messages", news: "news", absence: "absences" };
  const windowMs = (state.edit_window_minutes || 15) * 60000;

  function ownActions(content, data) {
    if (data.author_id !== me.id || !SEGMENTS[content]) return null;
    if (Date.now() - new Date(data.created_at).getTime() > windowMs) return null;
    return h(
      "p",
      { class: "own-actions" },
      content !== "absence" ? h("button", { type: "button", class: "link", "data-action": "edit", "data-testid": "edit", text: say("feed.edit") }) : null,
      h("button", { type: "button", class: "link danger-link", "data-action": "delete", "data-testid": "delete", text: say("feed.delete") }),
    );
  }

  function editForm(card) {
    const [content] = card.dataset.key.split(":");
    const data = card._data;
    const fieldId = "edit-" + card.dataset.key.replace(":", "-");
    return h(
      "form",
      { "data-api": "/api/" + SEGMENTS[content] + "/" + data.id, "data-method": "PATCH", "data-testid": "edit-form", "data-done": say("feed.saved") },
      h("label", { for: fieldId, text: say("feed.edit_label") }),
      h("textarea", { id: fieldId, name: "body", rows: 3, required: true, maxlength: 5000, text: data.body }),
      h("button", { type: "submit", text: say("feed.save") }),
      h("p", { class: "form-status", "data-part": "status", role: "status", "aria-live": "polite" }),
    );
  }

  function aboutChild(key) {
    return (data) => [header(say(key, { child: data.child.name }), data), ...paragraphs(data.body)];
  }

  function message(data) {
    const parts = aboutChild("feed.message")(data);
    if (!isParent && data.author_role === "parent") parts.push(staffReply(data));
    if (data.reply_to_post_id) parts.splice(1, 0, h("p", { class: "muted", text: say("feed.reply_to_post") }));
    if (data.author_role === "parent" && data.read_by_staff_at) parts.push(h("p", { class: "notice", "data-part": "read", text: "✓ " + say("feed.read_by_staff") }));
    else if (isParent && data.author_role === "parent" && data.outside_hours) parts.push(h("p", { class: "muted", "data-part": "outside-hours", text: readWhen(data.created_at) }));
    return parts;
  }

  // a parent's message sent while the location is closed: when the group will read it
  // (before opening on a working day: today; after closing: the next working day)
  function readWhen(iso) {
    const hours = state.hours;
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", { timeZone: hours.zone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .formatToParts(new Date(iso))
        .map((part) => [part.type, part.value]),
    );
    const time = parts.hour + ":" + parts.minute;
    const workday = parts.weekday !== "Sat" && parts.weekday !== "Sun";
    if (workday && time < hours.opens) return say("feed.outside_hours_today", { time: hours.opens });
    if (!workday || parts.weekday === "Fri") return say("feed.outside_hours_monday", { time: hours.opens });
    return say("feed.outside_hours_tomorrow", { time: hours.opens });
  }

  function news(data) {
    const title = data.location ? say("feed.news_location", { location: data.location.name }) : say("feed.news");
    return [header(title, data), h("h3", { text: data.title }), ...paragraphs(data.body)];
  }

  function absence(data) {
    const range = data.start_date === data.end_date ? day(data.start_date) : day(data.start_date) + " – " + day(data.end_date);
    return [
      header(say("feed.absence", { child: data.child.name }), data),
      h("p", { class: "body" }, h("strong", { text: range }), " · " + say("feed.reason." + data.reason)),
      data.note ? h("p", { class: "body", text: data.note }) : null,
      h("p", { class: data.on_time ? "notice" : "error", text: say(data.on_time ? "feed.on_time" : "feed.late", { cutoff: data.cutoff }) }),
    ];
  }

  function duration(ms) {
    const seconds = Math.round((ms || 0) / 1000);
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  // a clip shows its poster and loads nothing until tapped; then the 720p rendition
  // (360p when the phone asks to save data or the connection is slow) with controls
  function clip(data) {
    const alt = data.caption ? say("feed.video_alt", { caption: data.caption }) : say("feed.video_alt_plain");
    return [
      header(say("feed.video", { group: data.group ? data.group.name : "" }), data),
      h(
        "figure",
        { class: "photo clip" },
        h(
          "button",
          { type: "button", class: "clip-play", "data-action": "play", "data-testid": "play", "aria-label": say("feed.play_video", { duration: duration(data.video.duration_ms) }) },
          h("img", {
            src: data.urls.large,
            width: data.width,
            height: data.height,
            alt,
            loading: "lazy",
            decoding: "async",
            style: { backgroundColor: /^#[0-9a-f]{6}$/i.test(data.placeholder || "") ? data.placeholder : "#ddd" },
          }),
          h("span", { class: "clip-badge", "aria-hidden": "true", text: "▶ " + duration(data.video.duration_ms) }),
        ),
        data.caption ? h("figcaption", { text: data.caption }) : null,
      ),
    ];
  }

  function slowConnection() {
    const connection = navigator.connection;
    return Boolean(connection && (connection.saveData || /(^|-)2g|3g/.test(connection.effectiveType || "")));
  }

  function play(button) {
    const card = button.closest("li.item");
    const data = card && card._data;
    if (!data || !data.video) return;
    const video = h("video", {
      controls: "",
      playsinline: "",
      preload: "auto",
      poster: data.urls.large,
      width: data.width,
      height: data.height,
      "data-testid": "video",
      src: slowConnection() ? data.video.urls["360"] : data.video.urls["720"],
    });
    button.replaceWith(video);
    video.play().catch(() => {}); // a browser that refuses autoplay still shows the controls
  }

  function photo(data) {
    if (data.video) return clip(data);
    const alt = data.caption ? say("feed.photo_alt", { caption: data.caption }) : say("feed.photo_alt_plain");
    return [
      header(say("feed.photo", { group: data.group ? data.group.name : "" }), data),
      h(
        "figure",
        { class: "photo" },
        h(
          "button",
          { type: "button", class: "photo-open", "data-action": "open", "data-display": data.urls.display, "data-caption": data.caption || "", "aria-label": say("feed.open_photo") },
          h("img", {
            src: data.urls.small,
            srcset: data.urls.small + " 320w, " + data.urls.large + " 1280w",
            sizes: "(max-width: 40rem) 100vw, 40rem",
            width: data.width,
            height: data.height,
            alt,
            loading: "lazy",
            decoding: "async",
            style: { backgroundColor: /^#[0-9a-f]{6}$/i.test(data.placeholder || "") ? data.placeholder : "#ddd" },
          }),
        ),
        data.caption ? h("figcaption", { text: data.caption }) : null,
      ),
    ];
  }

  function upload(data) {
    const key = data.status === "blocked" ? "feed.photo_blocked" : "feed.photo_failed";
    return [h("p", { class: "error", text: say(key, { name: data.file_name, reason: data.reason_text || data.reason }) })];
  }

  function archive(data) {
    return [
      h("p", { text: say("feed.archive_ready", { child: data.child ? data.child.name : "" }) }),
      h("a", { href: "/archief/" + (data.child ? data.child.id : ""), class: "button", text: say("feed.download") }),
    ];
  }

  function planning(data) {
    return [
      h("p", {
        class: data.status === "granted" ? "notice" : data.status === "refused" ? "error" : "",
        text: say("feed.planning", {
          kind: say("feed.planning_kind." + data.kind),
          child: data.child.name,
          day: day(data.day),
          status: say("feed.planning_status." + data.status),
        }),
      }),
      isParent
        ? h("a", { href: "/planning?child=" + data.child.id + "&month=" + data.day.slice(0, 7), text: say("feed.planning_open") })
        : h("a", { href: "/planning/inbox", text: say("feed.planning_inbox") }),
    ];
  }

  const RENDER = {
    group_post: groupPost,
    diary_entry: aboutChild("feed.diary"),
    message,
    news,
    absence,
    photo,
    photo_upload: upload,
    archive,
    planning,
  };

  // ---- placing cards --------------------------------------------------------------

  function place(card) {
    const at = Number(card.dataset.seq);
    for (const other of list.children) {
      if (Number(other.dataset.seq) < at) {
        list.insertBefore(card, other);
        return;
      }
    }
    list.append(card);
  }

  function upsert(content, data, frameSeq) {
    const key = content + ":" + data.id;
    const existing = cards.get(key);
    if (content === "photo" && !existing && removedAt.has(data.id) && frameSeq !== null && frameSeq !== undefined) {
      frameSeq = removedAt.get(data.id); // shared again (say, masked after a withdrawal): back where it was
      removedAt.delete(data.id);
    }
    if (data.deleted) {
      if (existing) existing.remove();
      cards.delete(key);
      pinned.delete(data.id);
      return;
    }
    const card = h("li", { class: "card item " + content, "data-key": key, "data-testid": "item-" + content, "data-seq": frameSeq ?? "" }, RENDER[content](data), ownActions(content, data));
    card._data = data;
    if (existing) {
      card.dataset.seq = existing.dataset.seq || card.dataset.seq;
      if (existing.classList.contains("unread")) markNew(card);
      existing.replaceWith(card);
    } else if (content === "group_post" && pinned.has(data.id)) {
      pinnedBox.append(card);
    } else if (frameSeq !== null && frameSeq !== undefined) {
      place(card);
    } else {
      return; // history older than the page: not shown
    }
    cards.set(key, card);
    if (frameSeq > unreadAtLoad && data.author_id !== me.id && !existing) markNew(card);
    if (content === "message" && data.author_role !== (isParent ? "parent" : "staff")) toMarkRead.set(key, { content, id: data.id });
    if (isParent && content === "group_post" && data.author_id !== me.id) watchRead(card, key, { content, id: data.id });
  }

  function markNew(card) {
    card.classList.add("unread");
    card.prepend(h("span", { class: "badge", text: say("feed.new") }));
  }

  function unpin(postId, note, unlessConfirmed = false) {
    pinned.delete(postId);
    const key = "group_post:" + postId;
    const card = cards.get(key);
    if (!card) return;
    // the live post_ack can come before the answer to our own request: it says more, keep it
    if (unlessConfirmed && card._data && card._data.confirmed_by) return;
    const data = Object.assign({}, card._data, { confirmed_by: note });
    const seqOf = card.dataset.seq;
    if (!seqOf) {
      card.replaceChildren(...RENDER.group_post(data)); // older than the page: stays where it is, confirmed
      card._data = data;
      return;
    }
    card.remove();
    cards.delete(key);
    upsert("group_post", data, Number(seqOf));
  }

  function apply(frame) {
    const [content, verb] = frame.kind.split(".");
    const data = frame.data;
    if (frame.type === "retract" && !data.ref) return; // what it took back is gone altogether
    if (frame.type === "retract" && (data.ref.content === "child" || data.ref.content === "group")) {
      // a child or a group is no longer ours (a guardian or a teacher taken off it): start
      // again from what the server shows now, forms and names included (a retraction from
      // before this page was made is already in what it shows)
      if (frame.seq > state.seq) {
        stopped = true;
        location.reload();
      }
    } else if (frame.type === "retract") {
      const card = cards.get(data.ref.content + ":" + data.ref.id);
      if (data.ref.content === "photo" && (card || !removedAt.has(data.ref.id))) {
        removedAt.set(data.ref.id, card && card.dataset.seq ? Number(card.dataset.seq) : frame.seq); // the first place it had
      }
      if (card) card.remove();
      cards.delete(data.ref.content + ":" + data.ref.id);
    } else if (data.deleted) {
      // deleted, purged, or no longer ours: whatever it was, nothing of it is shown
      if (RENDER[content]) upsert(content, data, frame.seq);
    } else if (content === "post_ack") {
      const note = say("feed.confirmed", { name: data.author, child: data.child.name });
      if (isParent) unpin(data.post_id, note);
      else refreshAcks(data.post_id);
    } else if (content === "message" && verb === "read") {
      upsert("message", data, frame.seq);
    } else if (RENDER[content]) {
      if (content === "archive" && verb !== "ready") return;
      if (content === "group_post" && verb === "created" && isParent && data.requires_ack && frame.seq > state.seq) {
        pinned.add(data.id); // new since the page loaded, so not confirmed yet; a post_ack would follow it
      }
      upsert(content, data, frame.seq);
    }
  }

  function process(frame, live) {
    if (typeof frame.seq !== "number" || frame.seq <= seq) return; // seen already
    apply(frame);
    document.dispatchEvent(new CustomEvent("schriftje:frame", { detail: { frame, live } })); // day.js follows the day
    seq = frame.seq;
    if (oldest === null) oldest = frame.seq;
    if (live && document.visibilityState !== "visible" && frame.kind.endsWith(".created")) {
      unseen += 1;
      document.title = "(" + unseen + ") " + baseTitle;
    }
    empty.hidden = list.children.length + pinnedBox.children.length > 0;
  }

  async function loadOlder(before) {
    const response = await fetch("/api/feed?before=" + before + "&limit=40", { credentials: "same-origin" });
    if (!response.ok) return;
    const page = await response.json();
    for (const frame of page.items) {
      const [content] = frame.kind.split(".");
      const key = content + ":" + (frame.data.ref ? frame.data.ref.id : frame.data.id);
      if (frame.type === "event" && RENDER[content] && !cards.has(key) && (frame.kind.endsWith(".created") || content === "planning")) {
        upsert(content, frame.data, frame.seq);
      }
    }
    if (page.items.length) oldest = page.items[0].seq;
    olderButton.hidden = !page.more;
    empty.hidden = list.children.length + pinnedBox.children.length > 0;
  }

  // ---- actions --------------------------------------------------------------------

  async function refreshAcks(postId) {
    const card = cards.get("group_post:" + postId);
    const box = card && card.querySelector('[data-part="acks"]');
    if (!box || !box.dataset.open) return;
    const response = await fetch("/api/posts/" + postId + "/acks", { credentials: "same-origin" });
    if (!response.ok) return;
    const families = (await response.json()).families;
    const done = families.filter((f) => f.acknowledged);
    const missing = families.filter((f) => !f.acknowledged);
    box.textContent = say("feed.acks_count", { done: done.length, total: families.length });
    if (missing.length) box.append(h("br"), say("feed.acks_missing", { names: missing.map((f) => f.child.name).join(", ") }));
  }

  list.parentElement.addEventListener("click", async (event) => {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    const action = target.dataset.action;
    if (action === "ack") {
      target.disabled = true;
      const response = await post("/api/posts/" + target.dataset.post + "/ack");
      if (response.ok) unpin(Number(target.dataset.post), say("feed.you_confirmed"), true);
      else target.disabled = false;
    } else if (action === "edit") {
      const card = target.closest("li.item");
      if (!card.querySelector('[data-testid="edit-form"]')) target.parentElement.after(editForm(card));
    } else if (action === "delete") {
      if (!target.dataset.sure) {
        target.dataset.sure = "1"; // a second tap deletes: no dialog to dismiss by accident
        target.textContent = say("feed.delete_sure");
        return;
      }
      const card = target.closest("li.item");
      const [content] = card.dataset.key.split(":");
      target.disabled = true;
      const response = await fetch("/api/" + SEGMENTS[content] + "/" + card._data.id, {
        method: "DELETE",
        credentials: "same-origin",
        headers: { "x-csrf-token": window.Schriftje.csrf(), accept: "application/json" },
      }).catch(() => null);
      if (!response || !response.ok) {
        target.disabled = false;
        target.textContent = say("feed.delete_failed");
      } // the deletion itself comes back over the socket and removes the card everywhere
    } else if (action === "readers") {
      const box = target.parentElement.querySelector('[data-part="readers"]');
      const response = await fetch("/api/posts/" + target.dataset.post + "/readers", { credentials: "same-origin" });
      if (!response.ok) return;
      const families = (await response.json()).families;
      const done = families.filter((f) => f.read_at);
      const missing = families.filter((f) => !f.read_at);
      box.textContent = say("feed.readers_count", { done: done.length, total: families.length });
      if (missing.length) box.append(h("br"), say("feed.readers_missing", { names: missing.map((f) => f.child.name).join(", ") }));
    } else if (action === "acks") {
      const box = target.parentElement.querySelector('[data-part="acks"]');
      box.dataset.open = "1";
      refreshAcks(Number(target.dataset.post));
    } else if (action === "play") {
      play(target);
    } else if (action === "open") {
      lightbox.querySelector("img").src = target.dataset.display;
      lightbox.querySelector("img").alt = target.querySelector("img").alt;
      lightbox.querySelector(".caption").textContent = target.dataset.caption;
      lightbox.showModal();
    }
  });
  lightbox.addEventListener("close", () => lightbox.querySelector("img").removeAttribute("src"));
  olderButton.addEventListener("click", () => loadOlder(oldest));

  // ---- read state -----------------------------------------------------------------

  // a group post counts as read once it has been on screen for a second (staff see who read it)
  const onScreen = new Map(); // card -> timer
  const readWatcher =
    "IntersectionObserver" in window
      ? new IntersectionObserver(
          (entries) => {
            for (const entry of entries) {
              const card = entry.target;
              if (entry.isIntersecting && document.visibilityState === "visible") {
                if (!onScreen.has(card)) {
                  onScreen.set(card, setTimeout(() => {
                    readWatcher.unobserve(card);
                    toMarkRead.set(card.dataset.key, card._readAs);
                    scheduleRead();
                  }, 1000));
                }
              } else if (onScreen.has(card)) {
                clearTimeout(onScreen.get(card));
                onScreen.delete(card);
              }
            }
          },
          { threshold: 0.6 },
        )
      : null;

  function watchRead(card, key, item) {
    if (!readWatcher || marked.has(key)) return;
    marked.add(key); // once per page: a replaced card (an edit) is not read again
    card._readAs = item;
    readWatcher.observe(card);
  }
  const marked = new Set();

  let readTimer = null;
  function scheduleRead() {
    if (document.visibilityState !== "visible") return;
    clearTimeout(readTimer);
    readTimer = setTimeout(async () => {
      const items = [...toMarkRead.values()];
      toMarkRead.clear();
      const response = await post("/api/read", { items, feed_seq: seq }).catch(() => null);
      if (response && response.ok) {
        unseen = 0;
        document.title = baseTitle;
      }
    }, 1500);
  }

  // ---- the socket -----------------------------------------------------------------

  let socket = null;
  let attempts = 0;
  let retry = null;
  let watchdog = null;
  let stopped = false;

  function setStatus(name) {
    status.dataset.state = name;
    status.textContent = say("feed." + (name === "live" ? "live" : name === "signed_out" ? "signed_out" : name === "offline" ? "offline" : "connecting"));
  }

  function pet() {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => socket && socket.close(), 60000); // heartbeats come every 25 s
  }

  function connect() {
    clearTimeout(retry);
    if (socket || stopped) return;
    if (!navigator.onLine) {
      setStatus("offline");
      return; // the online event reconnects
    }
    setStatus("connecting");
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    socket = ws;
    ws.onopen = () => {
      pet();
      ws.send(JSON.stringify({ type: "hello", after: seq }));
    };
    ws.onmessage = (message) => {
      pet();
      const frame = JSON.parse(message.data);
      if (frame.type === "event" || frame.type === "retract") {
        process(frame, true);
        scheduleRead();
      } else if (frame.type === "ready") {
        attempts = 0;
        seq = Math.max(seq, frame.seq);
        setStatus("live");
        scheduleRead();
      } else if (frame.type === "reset") {
        for (const card of cards.values()) card.remove();
        cards.clear();
        seq = frame.seq;
        loadOlder(frame.seq + 1);
      }
    };
    ws.onclose = (event) => {
      if (socket === ws) socket = null;
      clearTimeout(watchdog);
      if (event.code === 4401) {
        stopped = true;
        setStatus("signed_out");
        if (document.body.dataset.tabletLock) location.assign("/tablet"); // a group tablet locked
      } else if (event.code === 4400 || event.code === 4403 || event.code === 4413) {
        stopped = true;
        setStatus("offline");
      } else {
        setStatus("offline");
        const delay = Math.min(30000, 500 * 2 ** attempts) * (0.5 + Math.random() / 2);
        attempts += 1;
        retry = setTimeout(connect, delay);
      }
    };
  }

  window.addEventListener("offline", () => {
    setStatus("offline");
    if (socket) socket.close();
  });
  window.addEventListener("online", () => {
    attempts = 0;
    connect();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    attempts = 0;
    connect(); // a phone that slept may have lost its socket without a close
    scheduleRead();
  });
  document.addEventListener("schriftje:sent", () => {
    if (!socket) connect();
  });

  // ---- start ----------------------------------------------------------------------

  for (const post of state.pinned) upsert("group_post", post, null);
  for (const frame of state.items) process(frame, false);
  seq = Math.max(seq, state.seq);
  if (oldest === null) oldest = seq + 1;
  olderButton.hidden = !state.more;
  empty.hidden = list.children.length + pinnedBox.children.length > 0;
  connect();
})();

// The structured day (het schriftje) on the home page.
// Staff (the group tablet): the group's faces, present children first and absent ones
// greyed; tap one or more faces, then one action: "slaapt", "wakker", a nappy state,
// or "meer" for any other kind, built from /api/day-kinds. One action writes one
// entry per child (POST /api/day, with an Idempotency-Key). Parents: the chosen
// child's day as a timeline with its summary, a running nap counting up, earlier
// days one tap away, and a note of their own. Both follow the live feed: feed.js
// passes every frame as a "schriftje:frame" event, and a day entry refreshes what
// is shown. No third-party code, no innerHTML of content.
(function () {
  "use strict";
  const staffBox = document.getElementById("day-staff");
  const parentBox = document.getElementById("day-parent");
  if (!staffBox && !parentBox) return;
  const { say, h, postJSON } = window.Schriftje;
  const lang = document.documentElement.lang || "nl";
  let kinds = {}; // kind -> its catalogue entry (label, fields, ...)

  const timeZone = (staffBox || parentBox).dataset.zone || undefined; // the organisation's, wherever the phone is
  const clock = (iso) => new Date(iso).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", timeZone });
  const minutesBetween = (from, to) => Math.max(0, Math.floor((to - from) / 60000));
  function duration(minutes) {
    const hours = Math.floor(minutes / 60);
    return hours ? say("day.hours_minutes", { hours, minutes: minutes % 60 }) : say("day.minutes", { minutes });
  }

  async function getJSON(path) {
    const response = await fetch(path, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    return response.json();
  }

  async function failure(response) {
    try {
      return (await response.json()).detail || response.statusText;
    } catch (ignored) {
      return response.statusText;
    }
  }

  async function loadKinds() {
    const catalogue = (await getJSON("/api/day-kinds")).kinds;
    kinds = Object.fromEntries(catalogue.map((kind) => [kind.kind, kind]));
    return catalogue;
  }

  // "Luier · nat", "Fles · 180 ml", "Medicijn · Paracetamol · 2,5 ml"
  function describe(entry) {
    const kind = kinds[entry.kind];
    const parts = [];
    if (entry.details.name) parts.push(entry.details.name);
    for (const field of kind ? kind.fields : []) {
      const value = entry.details[field.name];
      if (value === undefined || value === null || value === "") continue;
      if (field.type === "choice") {
        const choice = field.choices.find((c) => c.value === value);
        parts.push(choice ? choice.label : value);
      } else if (field.name === "ml") {
        parts.push(value + " ml");
      } else if (field.name === "celsius") {
        parts.push(Number(value).toLocaleString(lang, { minimumFractionDigits: 1 }) + " °C");
      } else {
        parts.push(String(value));
      }
    }
    return parts.join(" · ");
  }

  function timeOf(entry, now) {
    if (entry.kind !== "sleep") return clock(entry.at);
    if (entry.running) return clock(entry.at) + " – " + say("day.ui.sleeping_for", { duration: duration(minutesBetween(new Date(entry.at), now)) });
    return clock(entry.at) + "–" + clock(entry.ends_at) + " (" + duration(minutesBetween(new Date(entry.at), new Date(entry.ends_at))) + ")";
  }

  // ---- parents: one child's day -----------------------------------------------------

  function parentDay() {
    const children = JSON.parse(document.getElementById("day-children").textContent);
    const picker = parentBox.querySelector('[data-part="children"]');
    const title = parentBox.querySelector('[data-part="title"]');
    const summary = parentBox.querySelector('[data-part="summary"]');
    const timeline = parentBox.querySelector('[data-part="timeline"]');
    const empty = parentBox.querySelector('[data-part="empty"]');
    const earlier = parentBox.querySelector('[data-action="earlier"]');
    const later = parentBox.querySelector('[data-action="later"]');
    const noteForm = parentBox.querySelector('[data-part="note"]');
    let child = children[0];
    let date = null; // null: today
    let shown = null; // the last answer
    let refreshing = null;

    function renderDay() {
      const now = new Date();
      title.textContent = shown.today ? say("day.ui.today_of", { name: child.first_name }) : say("day.ui.day_of", {
        name: child.first_name,
        date: new Date(shown.date + "T12:00:00Z").toLocaleDateString(lang, { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" }),
      });
      summary.textContent = shown.summary_text;
      timeline.replaceChildren(
        ...shown.entries.map((entry) =>
          h(
            "li",
            { class: "moment " + entry.kind, "data-testid": "day-entry", "data-kind": entry.kind, "data-running": entry.running ? "true" : null },
            h("time", { datetime: entry.at, text: timeOf(entry, now) }),
            h("strong", { text: kinds[entry.kind] ? kinds[entry.kind].label : entry.kind }),
            h("span", { class: "what", text: describe(entry) }),
            entry.author_role === "parent" ? h("span", { class: "muted", text: say("day.ui.by", { name: entry.author || "" }) }) : null,
          ),
        ),
      );
      empty.hidden = shown.entries.length > 0;
      later.disabled = shown.today;
      if (noteForm) noteForm.hidden = !shown.today;
    }

    async function refresh() {
      const query = date ? "?date=" + date : "";
      try {
        shown = await getJSON("/api/children/" + child.id + "/day" + query);
      } catch (error) {
        summary.textContent = say("day.ui.unavailable");
        return;
      }
      date = shown.date;
      renderDay();
    }

    function refreshSoon() {
      clearTimeout(refreshing);
      refreshing = setTimeout(refresh, 150);
    }

    function move(days) {
      const day = new Date((date || shown.date) + "T12:00:00Z");
      day.setUTCDate(day.getUTCDate() + days);
      date = day.toISOString().slice(0, 10);
      refresh();
    }

    if (children.length > 1) {
      picker.replaceChildren(
        ...children.map((c, index) =>
          h("button", {
            type: "button",
            class: "tab",
            role: "tab",
            "aria-selected": String(index === 0),
            "data-child": c.id,
            text: c.first_name,
            onclick: () => {
              for (const other of picker.children) other.setAttribute("aria-selected", String(other.dataset.child === String(c.id)));
              child = c;
              date = null;
              refresh();
            },
          }),
        ),
      );
    }
    earlier.addEventListener("click", () => move(-1));
    later.addEventListener("click", () => move(1));
    if (noteForm) {
      noteForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        const text = noteForm.querySelector("textarea");
        const status = noteForm.querySelector('[data-part="status"]');
        const body = { children: [child.id], kind: "note", details: { note: text.value } };
        const response = await postJSON("/api/day", body, noteForm);
        if (response.ok) {
          noteForm._attempt = null;
          text.value = "";
          status.textContent = say("day.ui.written");
          refreshSoon();
        } else {
          status.textContent = say("feed.failed", { detail: await failure(response) });
        }
      });
    }
    document.addEventListener("schriftje:frame", (event) => {
      const frame = event.detail.frame;
      if (!event.detail.live || !frame.kind.startsWith("day_entry.")) return;
      if (frame.data.deleted || frame.data.child.id === child.id) refreshSoon();
    });
    setInterval(() => shown && shown.today && renderDay(), 30000); // a running nap counts up
    refresh();
  }

  // ---- staff: the group's faces and one action for all chosen ------------------------

  function staffDay() {
    const groups = JSON.parse(document.getElementById("day-groups").textContent);
    const groupSelect = staffBox.querySelector('[data-part="group"]');
    const faces = staffBox.querySelector('[data-part="faces"]');
    const absentToday = staffBox.querySelector('[data-part="absent"]');
    const status = staffBox.querySelector('[data-part="status"]');
    const timeField = staffBox.querySelector('[data-part="time"]');
    const more = staffBox.querySelector('[data-part="more"]');
    const kindSelect = more.querySelector('[data-part="kind"]');
    const fields = more.querySelector('[data-part="fields"]');
    const actions = staffBox.querySelectorAll("[data-day-action]");
    let group = groups[0];
    let now = { children: [] };
    const chosen = new Set();
    let refreshing = null;

    function chosenChildren() {
      return now.children.filter((c) => chosen.has(c.id));
    }

    function renderFaces() {
      faces.replaceChildren(
        ...now.children.map((c) =>
          h(
            "button",
            {
              type: "button",
              class: "face" + (c.absent ? " absent" : ""),
              "aria-pressed": String(chosen.has(c.id)),
              "data-child": c.id,
              "data-testid": "face",
              onclick: () => {
                if (chosen.has(c.id)) chosen.delete(c.id);
                else chosen.add(c.id);
                renderFaces();
              },
            },
            h("span", { class: "name", text: c.first_name }),
            c.absent ? h("small", { text: say("day.ui.absent") }) : null,
            c.sleeping ? h("small", { class: "sleeping", "data-testid": "sleeping", text: say("day.ui.asleep_since", { time: clock(c.sleeping.since) }) }) : null,
          ),
        ),
      );
      const absent = now.children.filter((c) => c.absent);
      absentToday.textContent = absent.length
        ? say("day.ui.absent_today", { names: absent.map((c) => c.first_name + " (" + say("feed.reason." + c.absence_reason) + ")").join(", ") })
        : say("day.ui.nobody_absent");
      const picked = chosenChildren();
      for (const button of actions) {
        const action = button.dataset.dayAction;
        if (action === "wake") button.disabled = !picked.some((c) => c.sleeping);
        else if (action === "sleep") button.disabled = !picked.some((c) => !c.sleeping);
        else button.disabled = picked.length === 0;
      }
    }

    async function refresh() {
      try {
        now = await getJSON("/api/groups/" + group.id + "/now");
      } catch (error) {
        status.textContent = say("day.ui.unavailable");
        return;
      }
      const present = new Set(now.children.map((c) => c.id));
      for (const id of [...chosen]) if (!present.has(id)) chosen.delete(id);
      renderFaces();
    }

    function refreshSoon() {
      clearTimeout(refreshing);
      refreshing = setTimeout(refresh, 150);
    }

    function at() {
      return timeField.value ? timeField.value : undefined; // HH:MM today, in the organisation's time
    }

    function done(label, picked) {
      status.className = "form-status";
      status.textContent = say("day.ui.logged", { what: label, names: picked.map((c) => c.first_name).join(", ") });
      chosen.clear();
      timeField.value = "";
      refresh();
    }

    async function send(path, body, label, picked) {
      status.className = "form-status";
      status.textContent = say("feed.sending");
      const response = await postJSON(path, body, staffBox).catch(() => null);
      if (response && response.ok) {
        staffBox._attempt = null;
        done(label, picked);
        return true;
      }
      status.className = "form-status error";
      status.textContent = response ? say("feed.failed", { detail: await failure(response) }) : say("feed.network_failed");
      return false;
    }

    async function act(action, choice) {
      const picked = chosenChildren();
      if (action === "wake") {
        const sleeping = picked.filter((c) => c.sleeping);
        return send("/api/day/end", { entries: sleeping.map((c) => c.sleeping.entry_id), at: at() }, say("day.ui.woke"), sleeping);
      }
      if (action === "sleep") {
        const awake = picked.filter((c) => !c.sleeping);
        return send("/api/day", { children: awake.map((c) => c.id), kind: "sleep", at: at() }, kinds.sleep.label, awake);
      }
      if (action === "nappy") {
        const label = kinds.nappy.label + " · " + kinds.nappy.fields[0].choices.find((c) => c.value === choice).label;
        return send("/api/day", { children: picked.map((c) => c.id), kind: "nappy", at: at(), details: { state: choice } }, label, picked);
      }
      if (action === "more") {
        more.hidden = !more.hidden;
        if (!more.hidden) buildFields();
      }
    }

    staffBox.addEventListener("click", (event) => {
      const button = event.target.closest("[data-day-action]");
      if (button && !button.disabled) act(button.dataset.dayAction, button.dataset.choice);
    });

    // "meer": any kind, its form built from the catalogue
    function buildFields() {
      const kind = kinds[kindSelect.value];
      const parts = [];
      if (kind.has_end) {
        parts.push(
          h("label", { for: "day-from", text: say("day.ui.from") }),
          h("input", { id: "day-from", type: "time", name: "from", required: true }),
          h("label", { for: "day-until", text: say("day.ui.until") }),
          h("input", { id: "day-until", type: "time", name: "until" }),
        );
      }
      if (kind.needs_instruction) {
        parts.push(h("label", { for: "day-instruction", text: say("day.ui.instruction") }), h("select", { id: "day-instruction", name: "instruction_id", required: true }));
        const picked = chosenChildren();
        if (picked.length === 1) {
          getJSON("/api/children/" + picked[0].id + "/medication").then((answer) => {
            const select = document.getElementById("day-instruction");
            if (!select) return;
            if (!answer.instructions.length) select.append(h("option", { value: "", text: say("day.ui.no_instruction") }));
            for (const i of answer.instructions) {
              select.append(h("option", { value: i.id, text: i.name + " · " + i.dose + (i.when ? " · " + i.when : "") }));
            }
          });
        }
      }
      for (const field of kind.fields) {
        const id = "day-field-" + field.name;
        parts.push(h("label", { for: id, text: say("day.ui.field." + field.name) }));
        if (field.type === "choice") {
          parts.push(
            h(
              "select",
              { id, name: field.name, required: field.required },
              field.required ? null : h("option", { value: "", text: "" }),
              ...field.choices.map((c) => h("option", { value: c.value, text: c.label })),
            ),
          );
        } else if (field.type === "whole" || field.type === "decimal") {
          parts.push(h("input", { id, name: field.name, type: "number", inputmode: "decimal", min: field.low, max: field.high, step: field.type === "whole" ? 1 : 0.1, required: field.required }));
        } else if (field.name === "note") {
          parts.push(h("textarea", { id, name: field.name, rows: 2, maxlength: field.max_chars, required: field.required }));
        } else {
          parts.push(h("input", { id, name: field.name, type: "text", maxlength: field.max_chars, required: field.required }));
        }
      }
      fields.replaceChildren(...parts);
    }
    kindSelect.addEventListener("change", buildFields);
    more.addEventListener("submit", async (event) => {
      event.preventDefault();
      const kind = kinds[kindSelect.value];
      const picked = chosenChildren();
      if (!picked.length) {
        status.className = "form-status error";
        status.textContent = say("day.ui.choose_first");
        return;
      }
      const body = { children: picked.map((c) => c.id), kind: kind.kind, details: {} };
      for (const field of kind.fields) {
        const input = more.elements[field.name];
        if (!input || input.value === "") continue;
        body.details[field.name] = field.type === "whole" || field.type === "decimal" ? Number(input.value) : input.value;
      }
      if (kind.has_end) {
        body.at = more.elements.from.value;
        if (more.elements.until.value) body.ends_at = more.elements.until.value;
      } else {
        body.at = at();
      }
      if (kind.needs_instruction) body.instruction_id = Number(more.elements.instruction_id.value) || null;
      if (await send("/api/day", body, kind.label, picked)) {
        more.reset();
        more.hidden = true;
      }
    });

    if (groupSelect) {
      groupSelect.addEventListener("change", () => {
        group = groups.find((g) => String(g.id) === groupSelect.value);
        chosen.clear();
        refresh();
      });
    }
    loadKinds().then((catalogue) => {
      refresh();
      kindSelect.replaceChildren(...catalogue.filter((k) => k.enabled).map((k) => h("option", { value: k.kind, text: k.label })));
      for (const button of staffBox.querySelectorAll("[data-kind-label]")) {
        const kind = kinds[button.dataset.kindLabel];
        if (!kind || !kind.enabled) button.hidden = true;
      }
    });
    document.addEventListener("schriftje:frame", (event) => {
      const kind = event.detail.frame.kind; // a nap started on another tablet, an absence reported meanwhile
      if (event.detail.live && (kind.startsWith("day_entry.") || kind.startsWith("absence."))) refreshSoon();
    });
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && refreshSoon());
  }

  if (parentBox) loadKinds().then(parentDay, () => parentDay());
  if (staffBox) staffDay();
})();

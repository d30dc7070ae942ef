// Shared by the page scripts (window.Schriftje): texts, the CSRF token, h() to build
// elements without innerHTML, and forms that talk JSON to the API:
// <form data-api="/api/children/{child_id}/messages">.
// Fields marked data-in-path fill the {placeholders} of the address; the others
// become the JSON body (checkboxes as booleans, data-number as numbers or null).
// On success the form is cleared and says so (data-done: in its own words), and the
// elements matching data-removes go; on failure the text stays where it is and the
// server's reason is shown. data-method picks another HTTP method than POST;
// data-reload shows the page afresh after success. Radio buttons send the checked
// one's value (data-boolean: as true/false). Tabs ([role=tab] with aria-controls)
// switch between the forms of one card. Every submission carries an Idempotency-Key,
// kept while the same text is sent again after a failure, so a retry never posts
// twice. No third-party code.
(function () {
  "use strict";
  const strings = JSON.parse((document.getElementById("page-strings") || { textContent: "{}" }).textContent);
  const say = (key, params) =>
    (strings[key] || key).replace(/\{(\w+)\}/g, (_, name) => (params && name in params ? params[name] : ""));
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  // h("p", {class: "x", text: "..."}, child, ...): text goes in as text, never as markup
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") el.textContent = value;
      else if (name === "class") el.className = value;
      else if (name === "style") Object.assign(el.style, value); // CSSOM: allowed by the CSP, unlike a style attribute
      else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // one key per thing being sent: the same again (a retry) keeps it, anything else gets a new one
  function keyFor(holder, what) {
    if (!holder._attempt || holder._attempt.what !== what) holder._attempt = { what, key: newKey() };
    return holder._attempt.key;
  }

  function postJSON(path, body, holder) {
    const text = JSON.stringify(body || {});
    const headers = { "content-type": "application/json", "x-csrf-token": csrf(), accept: "application/json" };
    if (holder) headers["idempotency-key"] = keyFor(holder, path + text);
    return fetch(path, { method: "POST", credentials: "same-origin", headers, body: text });
  }

  function payload(form) {
    let path = form.dataset.api;
    const body = {};
    for (const field of form.elements) {
      if (!field.name || field.name === "csrf_token") continue;
      if ("inPath" in field.dataset) {
        path = path.replace("{" + field.name + "}", encodeURIComponent(field.value));
      } else if (field.type === "checkbox") {
        body[field.name] = field.checked;
      } else if (field.type === "radio") {
        if (field.checked) body[field.name] = "boolean" in field.dataset ? field.value === "true" : field.value;
      } else if ("number" in field.dataset) {
        body[field.name] = field.value === "" ? null : Number(field.value);
      } else {
        body[field.name] = field.value;
      }
    }
    return { path, body };
  }

  async function submit(event) {
    const form = event.target.closest("form[data-api]");
    if (!form) return;
    event.preventDefault();
    const status = form.querySelector('[data-part="status"]');
    const button = form.querySelector('button[type="submit"]');
    const { path, body } = payload(form);
    status.className = "form-status";
    status.textContent = say("feed.sending");
    button.disabled = true;
    const method = form.dataset.method || "POST";
    const headers = { "content-type": "application/json", "x-csrf-token": csrf(), accept: "application/json" };
    if (method === "POST") headers["idempotency-key"] = keyFor(form, path + JSON.stringify(body));
    try {
      const response = await fetch(path, { method, credentials: "same-origin", headers, body: JSON.stringify(body) });
      if (response.ok) {
        form._attempt = null; // sent: the next text is a new thing
        for (const field of form.elements) {
          if (field.tagName === "TEXTAREA" || (field.tagName === "INPUT" && ["text", "password"].includes(field.type))) {
            field.value = "";
          }
          if (field.type === "checkbox") field.checked = false;
        }
        status.textContent = form.dataset.done || say("feed.sent");
        const detail = response.status === 204 ? {} : await response.json();
        form.dispatchEvent(new CustomEvent("schriftje:sent", { bubbles: true, detail }));
        if (form.dataset.removes) for (const gone of document.querySelectorAll(form.dataset.removes)) gone.remove();
        if ("reload" in form.dataset) location.reload();
      } else {
        let detail = response.statusText;
        try {
          detail = (await response.json()).detail || detail;
        } catch (ignored) {
          /* not JSON: keep the status text */
        }
        status.className = "form-status error";
        status.textContent = say("feed.failed", { detail });
      }
    } catch (error) {
      status.className = "form-status error";
      status.textContent = say("feed.network_failed");
    } finally {
      button.disabled = false;
    }
  }

  function selectTab(tab) {
    const list = tab.closest('[role="tablist"]');
    for (const other of list.querySelectorAll('[role="tab"]')) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
  }

  document.addEventListener("submit", submit);
  document.addEventListener("click", (event) => {
    const tab = event.target.closest('[role="tab"][aria-controls]'); // other tab lists handle their own
    if (tab) selectTab(tab);
  });
  window.Schriftje = Object.assign(window.Schriftje || {}, { say, csrf, h, postJSON, payload });
})();

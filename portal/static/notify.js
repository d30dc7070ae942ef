/* The notifications page (/account/notifications): turn Web Push on or off for this
 * device, choose what notifies and when, see and remove the devices that receive it. */
"use strict";
(function () {
  const { say, csrf, h } = window.Schriftje;
  let state = JSON.parse(document.getElementById("notify-state").textContent);
  const part = (name) => document.querySelector(`[data-part="${name}"]`);

  function api(method, path, body) {
    return fetch(path, {
      method,
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": csrf() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function sameKey(subscription) {
    const key = subscription.options && subscription.options.applicationServerKey;
    if (!key) return true;
    const have = new Uint8Array(key);
    const want = keyBytes(state.public_key);
    return have.length === want.length && have.every((b, i) => b === want[i]);
  }

  async function registration() {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return null;
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    return navigator.serviceWorker.ready;
  }

  function show(message, on) {
    part("push-state").textContent = say(message);
    part("push-on").hidden = on !== false;
    part("push-off").hidden = on !== true;
    part("push-test").hidden = on !== true;
  }

  async function test() {
    const response = await api("POST", "/api/notify/test");
    const body = await response.json();
    part("push-state").textContent = response.ok && body.sent ? say("notify.page.test_sent") : say("notify.page.failed");
  }

  async function refresh() {
    const reg = await registration();
    if (!reg) return show("notify.page.unsupported", null);
    if (Notification.permission === "denied") return show("notify.page.denied", null);
    let subscription = await reg.pushManager.getSubscription();
    if (subscription && !sameKey(subscription)) {  // the server's key changed: subscribe again
      await subscription.unsubscribe();
      subscription = null;
    }
    const known = subscription && state.devices.some((d) => d.this_device);
    if (subscription && !known) await send(subscription);
    show(subscription ? "notify.page.on" : "notify.page.off", Boolean(subscription));
  }

  async function send(subscription) {
    const response = await api("POST", "/api/notify/subscriptions", subscription.toJSON());
    if (!response.ok) throw new Error((await response.json()).detail || response.statusText);
    await reload(subscription.endpoint);
  }

  async function reload(endpoint) {
    const query = endpoint ? "?endpoint=" + encodeURIComponent(endpoint) : "";
    const response = await api("GET", "/api/notify" + query);
    if (response.ok) state = await response.json();
    drawDevices();
  }

  async function turnOn() {
    try {
      const reg = await registration();
      if ((await Notification.requestPermission()) !== "granted") return show("notify.page.denied", null);
      const subscription = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(state.public_key),
      });
      await send(subscription);
      show("notify.page.on", true);
    } catch (error) {
      part("push-state").textContent = say("notify.page.failed") + " " + (error.message || "");
    }
  }

  async function turnOff() {
    const reg = await registration();
    const subscription = reg && (await reg.pushManager.getSubscription());
    if (subscription) {
      await api("DELETE", "/api/notify/subscriptions/by-endpoint", { endpoint: subscription.endpoint });
      await subscription.unsubscribe();
    }
    await reload();
    show("notify.page.off", false);
  }

  function drawDevices() {
    const list = part("devices");
    list.replaceChildren(
      ...state.devices.map((device) =>
        h("li", { "data-device": device.id },
          h("div", {},
            h("strong", { text: device.label || device.push_service }),
            device.this_device ? h("span", { class: "tag", text: say("notify.page.this_device") }) : null,
          ),
          h("button", { type: "button", class: "secondary", text: say("notify.page.remove"), onclick: () => remove(device) }),
        ),
      ),
    );
    part("no-devices").hidden = state.devices.length > 0;
  }

  async function remove(device) {
    const response = await api("DELETE", `/api/notify/subscriptions/${device.id}`);
    if (response.ok || response.status === 404) await reload();
  }

  async function save(event) {
    event.preventDefault();
    const form = event.target;
    const body = {
      kinds: Array.from(form.querySelectorAll('input[name="kind"]:checked'), (box) => box.value),
      quiet_from: form.elements.quiet_from.value || null,
      quiet_until: form.elements.quiet_until.value || null,
      preview: form.elements.preview.checked,
      digest: form.elements.digest.checked,
    };
    const status = form.querySelector('[data-part="status"]');
    const response = await api("PUT", "/api/notify/preferences", body);
    status.textContent = response.ok ? say("notify.page.saved") : (await response.json()).detail || response.statusText;
  }

  async function saveOrganisation(event) {
    event.preventDefault();
    const form = event.target;
    const body = {
      urgent_kinds: Array.from(form.querySelectorAll('input[name="urgent"]:checked'), (box) => box.value),
      digest_at: form.elements.digest_at.value,
    };
    const response = await api("PUT", "/api/notify/organisation", body);
    part("org-status").textContent = response.ok ? say("notify.page.saved") : (await response.json()).detail || response.statusText;
  }

  if (part("org")) part("org").addEventListener("submit", saveOrganisation);
  part("push-on").addEventListener("click", turnOn);
  part("push-off").addEventListener("click", turnOff);
  part("push-test").addEventListener("click", test);
  part("prefs").addEventListener("submit", save);
  drawDevices();
  refresh().catch(() => show("notify.page.unsupported", null));
})();

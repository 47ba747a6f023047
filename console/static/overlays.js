// Hearth console, the overlays gallery: each card's preview sized to its
// kind's OBS size, its parameters rebuilding its URL as they are typed
// (checked as the overlay checks them), sample or live previews, test
// events; the theme editor applied to every card; the custom stylesheet
// saved with PUT; the goal form. No inline style: sizes are set through
// the CSSOM. Whatever the server says is shown as text.
"use strict";
(function () {
  const body = document.body;
  const strings = JSON.parse(body.dataset.i18n || "{}");
  const gallery = document.querySelector("[data-overlays-api]");
  const api = gallery ? gallery.dataset.overlaysApi : "";

  function t(key, ...args) {
    let s = strings[key] || key;
    for (const a of args) s = s.replace(/%[sd]/, String(a));
    return s;
  }

  async function send(method, url, contentType, payload) {
    const headers = { "X-CSRF-Token": body.dataset.csrf || "", "Accept": "application/json" };
    if (contentType) headers["Content-Type"] = contentType;
    const resp = await fetch(url, { method, credentials: "same-origin", headers, body: payload });
    if (resp.ok) return null;
    let msg = resp.statusText || String(resp.status);
    try { msg = (await resp.json()).error || msg; } catch (_) { /* not JSON */ }
    return msg;
  }

  // --- parameters, checked as the overlays check them ---------------
  const hexColor = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
  const fontName = /^[A-Za-z0-9][A-Za-z0-9 \-]{0,47}$/;

  // paramValue returns a parameter's value for the URL ("" leaves it
  // out: empty, or the overlay's default) or an error to show.
  function paramValue(box) {
    const type = box.dataset.type;
    const def = box.dataset.default || "";
    if (type === "bool") {
      const v = box.querySelector("input").checked ? "1" : "0";
      return { value: v === (def || "0") ? "" : v };
    }
    if (type === "list") {
      const picked = Array.from(box.querySelectorAll("input:checked")).map((i) => i.value);
      const v = picked.join(",");
      return { value: v === def ? "" : v };
    }
    const input = box.querySelector("input:not([data-picker]), select");
    const raw = input.value.trim();
    if (raw === "" || raw === def) return { value: "" };
    switch (type) {
      case "int": {
        const min = Number(box.dataset.min), max = Number(box.dataset.max);
        if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) return { error: t("range", min, max) };
        return { value: String(Number(raw)) };
      }
      case "color":
        if (hexColor.test(raw)) return { value: raw };
        if (/^[a-zA-Z]{3,20}$/.test(raw) && window.CSS && CSS.supports("color", raw)) return { value: raw.toLowerCase() };
        return { error: t("color") };
      case "font":
        return fontName.test(raw) ? { value: raw } : { error: t("font") };
      default:
        return { value: raw };
    }
  }

  // readParams puts a group's valid parameters into q and shows each
  // one's error; it returns whether all were valid.
  function readParams(group, q) {
    let ok = true;
    for (const box of group.querySelectorAll(".param")) {
      const r = paramValue(box);
      const err = box.querySelector(".param-error");
      err.hidden = !r.error;
      err.textContent = r.error || "";
      box.classList.toggle("invalid", !!r.error);
      if (r.error) ok = false;
      else if (r.value !== "") q.set(box.dataset.param, r.value);
    }
    return ok;
  }

  // --- the theme editor -----------------------------------------------
  const editor = document.querySelector("[data-theme-editor]");
  function themeQuery() {
    const q = new URLSearchParams();
    if (editor) readParams(editor, q);
    return q;
  }

  // --- cards ------------------------------------------------------------
  const cards = Array.from(document.querySelectorAll("[data-overlay]"));

  // cardURL is the card's URL with its parameters and the theme's; with
  // preview, the page of sample data.
  function cardURL(card, preview) {
    const url = new URL(card.dataset.url, location.href);
    readParams(card, url.searchParams);
    for (const [k, v] of themeQuery()) url.searchParams.set(k, v);
    if (preview) url.searchParams.set("preview", "1");
    return url.toString();
  }

  const reloads = new Map();
  // refresh shows a card's URL at once and loads its preview, shortly
  // after the last keystroke (now, when asked).
  function refresh(card, now) {
    card.querySelector("[data-copy-url]").value = cardURL(card, false);
    for (const b of card.querySelectorAll("button.mode")) b.setAttribute("aria-pressed", String(b.dataset.mode === card.dataset.mode));
    clearTimeout(reloads.get(card));
    const load = () => {
      reloads.delete(card);
      const frame = card.querySelector("iframe");
      const src = cardURL(card, card.dataset.mode !== "live");
      if (frame.src !== src) frame.src = src;
    };
    if (now) load(); else reloads.set(card, setTimeout(load, 300));
  }

  function refreshAll(now) {
    if (editor) document.querySelector("[data-theme-query]").value = themeQuery().toString();
    for (const card of cards) refresh(card, now);
  }

  // fit scales each preview to its card, keeping the kind's OBS size.
  function fit(card) {
    const frame = card.querySelector("iframe");
    const box = card.querySelector(".frame");
    const w = Number(card.dataset.width), h = Number(card.dataset.height);
    const scale = Math.min(1, box.clientWidth / w);
    frame.style.width = w + "px";
    frame.style.height = h + "px";
    frame.style.transform = "scale(" + scale + ")";
    box.style.height = Math.ceil(h * scale) + "px";
  }

  // connected resolves once the frame's page is src, live, and has taken
  // in the event log as it stands (so what comes next is new to it), or
  // rejects after 10 s.
  function connected(frame, src) {
    return new Promise((resolve, reject) => {
      const until = Date.now() + 10000;
      const look = () => {
        let d = null;
        try { d = frame.contentDocument; } catch (_) { /* not loaded yet */ }
        const b = d && d.body;
        if (b && d.location.href === src && b.dataset.connection === "open" && b.dataset.seen !== undefined) { resolve(); return; }
        if (Date.now() > until) { reject(new Error("timeout")); return; }
        setTimeout(look, 100);
      };
      look();
    });
  }

  async function testEvent(card, kind, button) {
    const out = card.querySelector(".test-result");
    const label = button.textContent;
    out.hidden = false;
    out.classList.remove("bad");
    out.textContent = t("testing", label);
    card.dataset.mode = "live";
    refresh(card, true);
    try {
      await connected(card.querySelector("iframe"), cardURL(card, false));
    } catch (_) {
      out.textContent = t("notconnected");
      out.classList.add("bad");
      return;
    }
    try {
      const err = await send("POST", api + "/overlays/test", "application/json", JSON.stringify({ kind }));
      out.textContent = err ? t("failed", err) : t("tested", label);
      out.classList.toggle("bad", !!err);
    } catch (_) {
      out.textContent = t("network");
      out.classList.add("bad");
    }
  }

  for (const card of cards) {
    for (const b of card.querySelectorAll("button.mode")) {
      b.addEventListener("click", () => { card.dataset.mode = b.dataset.mode; refresh(card, true); });
    }
    for (const b of card.querySelectorAll("button[data-test]")) {
      b.addEventListener("click", () => testEvent(card, b.dataset.test, b));
    }
    card.addEventListener("input", () => refresh(card, false));
    card.addEventListener("change", () => refresh(card, false));
    fit(card);
    if (window.ResizeObserver) new ResizeObserver(() => fit(card)).observe(card.querySelector(".frame"));
  }

  // A colour's picker and its text field follow each other.
  for (const picker of document.querySelectorAll("input[data-picker]")) {
    const text = picker.parentElement.querySelector("input[type=text]");
    picker.addEventListener("input", () => { text.value = picker.value; text.dispatchEvent(new Event("input", { bubbles: true })); });
    text.addEventListener("input", () => { if (/^#[0-9a-fA-F]{6}$/.test(text.value.trim())) picker.value = text.value.trim().toLowerCase(); });
  }
  if (editor) {
    editor.addEventListener("input", () => refreshAll(false));
    editor.addEventListener("change", () => refreshAll(false));
  }
  refreshAll(true);

  // --- the custom stylesheet ------------------------------------------
  const cssForm = document.querySelector("form[data-css]");
  if (cssForm) {
    cssForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const err = cssForm.querySelector(".form-error");
      const saved = cssForm.querySelector(".css-saved");
      const button = cssForm.querySelector("button[type=submit]");
      err.hidden = true;
      saved.hidden = true;
      button.disabled = true;
      try {
        const msg = await send("PUT", cssForm.dataset.css, "text/css; charset=utf-8", cssForm.querySelector("textarea").value);
        if (msg) {
          err.textContent = t("failed", msg);
          err.hidden = false;
          return;
        }
        saved.hidden = false;
        // Every page loads the stylesheet when it loads: load them again.
        for (const frame of document.querySelectorAll("[data-overlay] iframe")) {
          try { frame.contentWindow.location.reload(); } catch (_) { /* not loaded yet */ }
        }
      } catch (_) {
        err.textContent = t("network");
        err.hidden = false;
      } finally {
        button.disabled = false;
      }
    });
  }

  // --- goals ------------------------------------------------------------
  // The goal form is sent by console.js to the route its id names.
  const goalForm = document.querySelector("form[data-goal-form]");
  if (goalForm) {
    const id = goalForm.querySelector("#goal-id");
    const setRoute = () => { goalForm.dataset.api = goalForm.dataset.base + encodeURIComponent(id.value.trim()); };
    id.addEventListener("input", setRoute);
    setRoute();
    for (const b of document.querySelectorAll("button.edit-goal")) {
      b.addEventListener("click", () => {
        id.value = b.dataset.id;
        goalForm.querySelector("#goal-title").value = b.dataset.title;
        goalForm.querySelector("#goal-kind").value = b.dataset.kind;
        goalForm.querySelector("#goal-target").value = b.dataset.target;
        goalForm.querySelector("#goal-per-stream").checked = b.dataset.perStream === "true";
        setRoute();
        goalForm.scrollIntoView({ block: "start" });
        goalForm.querySelector("#goal-title").focus();
      });
    }
  }
})();

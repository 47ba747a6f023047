// Hearth console: live figures over server-sent events, forms sent to the
// API as JSON with the session's CSRF token, copy buttons. Everything
// shown from the server is set as text (textContent), never as HTML.
"use strict";
(function () {
  const body = document.body;
  const strings = JSON.parse(body.dataset.i18n || "{}");
  const lang = body.dataset.lang || "en";

  function t(key, ...args) {
    let s = strings[key] || key;
    for (const a of args) s = s.replace(/%[sd]/, String(a));
    return s;
  }

  function percent(f) {
    const s = (f * 100).toFixed(1);
    return lang === "fr" ? s.replace(".", ",") + "\u00a0%" : s + "%";
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const notice = document.querySelector(".notice");
  function say(text, bad) {
    if (!notice) return;
    notice.textContent = text;
    notice.classList.toggle("bad", !!bad);
    notice.hidden = false;
  }

  // --- live figures -------------------------------------------------
  function setField(name, text) {
    for (const e of document.querySelectorAll('[data-field="' + name + '"]')) e.textContent = text;
  }

  function renderPoll(box, p) {
    box.replaceChildren();
    if (!p || !p.status) {
      box.append(el("p", "empty", t("nopoll")));
      return;
    }
    const q = el("p", "question");
    q.append(el("span", "q", p.question || ""), " ", el("span", "badge", t("status." + p.status)));
    const list = el("ol", "options");
    const total = p.total || 1;
    for (const o of p.options || []) {
      const li = el("li");
      const bar = document.createElement("progress");
      bar.max = total;
      bar.value = o.score;
      li.append(el("span", "label", o.label), bar, el("span", "count", String(o.score)));
      list.append(li);
    }
    box.append(q, list, el("p", "voters", t("voters", p.voters)));
  }

  function renderEvents(list, events) {
    list.replaceChildren();
    if (!events || events.length === 0) {
      list.append(el("li", "empty", list.dataset.empty || ""));
      return;
    }
    for (const ev of events) {
      const li = el("li");
      li.append(el("span", "kind", strings["event." + ev.kind] || ev.kind), " ", el("span", "who", ev.display_name || ev.login || ""));
      if (ev.rank) li.append(" ", el("span", "rank", ev.rank));
      if (ev.text) li.append(" ", el("span", "text", ev.text));
      list.append(li);
    }
  }

  function apply(o) {
    for (const d of document.querySelectorAll('[data-field="live"]')) d.classList.toggle("on", o.live);
    for (const e of document.querySelectorAll('[data-field="live-text"]')) e.textContent = o.live ? e.dataset.yes : e.dataset.no;
    setField("viewers", o.viewer_count_known ? String(o.viewers) : "–");
    setField("active_chatters", String(o.active_chatters));
    setField("participation", o.viewer_count_known ? percent(o.participation) : "–");
    setField("stream_chatters", String(o.stream_chatters));
    setField("stream_newcomers", String(o.stream_newcomers));
    setField("points_given", String(o.points_given));
    for (const e of document.querySelectorAll('[data-field="segment"]')) e.textContent = o.segment || e.dataset.none;
    const box = document.querySelector("[data-poll]");
    // A poll page shows the poll it rendered; a new one needs its buttons,
    // so the page reloads when the poll changes.
    if (box && body.dataset.page === "polls" && box.dataset.id !== undefined && box.dataset.id !== (o.poll.id || "")) {
      location.reload();
      return;
    }
    if (box) renderPoll(box, o.poll);
    const events = document.querySelector("[data-events]");
    if (events) renderEvents(events, o.events);
    body.dataset.updated = String(Date.now());
  }

  const live = document.querySelector("[data-live]");
  if (live && window.EventSource) {
    const src = new EventSource(live.dataset.live);
    src.addEventListener("overview", (e) => {
      if (notice && notice.dataset.live === "1") { notice.hidden = true; notice.dataset.live = ""; }
      apply(JSON.parse(e.data));
    });
    src.onerror = () => {
      if (notice && notice.hidden) { say(t("offline"), true); notice.dataset.live = "1"; }
    };
    window.addEventListener("pagehide", () => src.close());
  }

  // --- forms to the API ----------------------------------------------
  // bodyOf builds a form's JSON body; a name "a.b" is field b of a.
  function bodyOf(form) {
    const out = {};
    const put = (name, value) => {
      const path = name.split(".");
      let o = out;
      for (const p of path.slice(0, -1)) o = o[p] = o[p] || {};
      o[path[path.length - 1]] = value;
    };
    // "set": the checkboxes of one name give the list of their values checked.
    const sets = {};
    for (const input of form.querySelectorAll("input[name], textarea[name], select[name]")) {
      if (input.type === "hidden") continue;
      const type = input.dataset.type || "string";
      if (type === "bool") { put(input.name, input.checked); continue; }
      if (type === "set") { (sets[input.name] = sets[input.name] || []).push(...(input.checked ? [input.value] : [])); continue; }
      const v = input.value.trim();
      const lines = v.split("\n").map((s) => s.trim()).filter((s) => s !== "");
      if (type === "int") { if (v !== "") put(input.name, Number.parseInt(v, 10)); continue; }
      if (type === "lines") { put(input.name, lines); continue; }
      if (type === "ladder") {
        put(input.name, lines.map((l) => { const i = l.lastIndexOf(":"); return { name: l.slice(0, i).trim(), min: Number.parseInt(l.slice(i + 1), 10) }; }));
        continue;
      }
      if (v !== "" || input.required) put(input.name, input.value);
    }
    for (const name of Object.keys(sets)) put(name, sets[name]);
    return out;
  }

  for (const form of document.querySelectorAll("form[data-api]")) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
      const err = form.querySelector(".form-error");
      if (err) err.hidden = true;
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      const method = form.dataset.method || "POST";
      const init = { method, credentials: "same-origin", headers: { "X-CSRF-Token": body.dataset.csrf || "", "Accept": "application/json" } };
      if (method !== "DELETE" && method !== "GET") {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(bodyOf(form));
      }
      try {
        const resp = await fetch(form.dataset.api, init);
        if (!resp.ok) {
          let msg = resp.statusText;
          try { msg = (await resp.json()).error || msg; } catch (_) { /* not JSON */ }
          if (err) { err.textContent = t("failed", msg); err.hidden = false; }
          return;
        }
        sessionStorage.setItem("hearth.notice", form.dataset.done || "");
        if (form.dataset.then) location.assign(form.dataset.then); else location.reload();
      } catch (_) {
        if (err) { err.textContent = t("network"); err.hidden = false; }
      } finally {
        if (button) button.disabled = false;
      }
    });
  }
  const done = sessionStorage.getItem("hearth.notice");
  if (done) { sessionStorage.removeItem("hearth.notice"); say(done, false); }

  // --- copy buttons --------------------------------------------------
  for (const b of document.querySelectorAll("button[data-copy]")) {
    b.addEventListener("click", async () => {
      const input = document.getElementById(b.dataset.copy);
      if (!input) return;
      input.select();
      try { await navigator.clipboard.writeText(input.value); } catch (_) { document.execCommand("copy"); }
      const was = b.textContent;
      b.textContent = b.dataset.copied || was;
      setTimeout(() => { b.textContent = was; }, 1500);
    });
  }
})();

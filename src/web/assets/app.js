// tana serve: what every page shares. Written for tana; no libraries.
"use strict";

const tana = (() => {
  const meta = (n) => document.querySelector(`meta[name="${n}"]`)?.content || "";
  const token = meta("tana-token");
  const readOnly = meta("tana-read-only") === "1";

  function coder() {
    return (localStorage.getItem("tana.coder") || "").trim();
  }

  function setCoder(name) {
    name = name.trim();
    localStorage.setItem("tana.coder", name);
    document.cookie = `tana_coder=${encodeURIComponent(name)}; path=/; SameSite=Strict`;
  }

  function toast(text, err) {
    const box = document.getElementById("toast");
    if (!box) return;
    const m = document.createElement("div");
    m.className = err ? "msg err" : "msg";
    m.textContent = text;
    box.appendChild(m);
    setTimeout(() => m.remove(), err ? 8000 : 3500);
  }

  // Ask once who is coding; every change records that name.
  function requireCoder() {
    let name = coder();
    if (!name) {
      name = (window.prompt("Who is coding? Your name is recorded with every change.") || "").trim();
      if (!name) throw new Error("enter your name at the top of the page first");
      setCoder(name);
      const input = document.getElementById("coder");
      if (input) input.value = name;
    }
    return name;
  }

  async function api(method, url, body) {
    const headers = { "Accept": "application/json" };
    if (coder()) headers["X-Tana-Coder"] = encodeURIComponent(coder());
    if (method !== "GET") {
      if (readOnly) throw new Error("this project is served read-only");
      requireCoder();
      headers["X-Tana-Coder"] = encodeURIComponent(coder());
      headers["X-Tana-Token"] = token;
      headers["Content-Type"] = "application/json";
    }
    // The lead's view of a blind project (?all=1 on the page) carries over to its data.
    if (method === "GET" && new URLSearchParams(location.search).get("all") === "1") {
      url += (url.includes("?") ? "&" : "?") + "all=1";
    }
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await res.json(); } catch (_) { data = null; }
    if (!res.ok) {
      const e = new Error((data && data.error) || `${res.status} ${res.statusText}`);
      e.hint = data && data.hint;
      throw e;
    }
    return data;
  }

  // Run a change; report its outcome or its error.
  async function act(method, url, body, done) {
    try {
      const r = await api(method, url, body);
      const said = (r && (r.message || (r.messages || []).join("; "))) || "";
      if (r && r.change === null) toast("nothing changed");
      else if (said) toast(said);
      await changed();
      if (done) done(r);
      return r;
    } catch (e) {
      toast(e.hint ? `${e.message} — ${e.hint}` : e.message, true);
      return null;
    }
  }

  // The change log's head: when it moves (here or in another browser, or a command), pages
  // refresh. Polling once a second shows others' codings within 2 s.
  let head = null;
  const listeners = [];
  async function changed() {
    try {
      const r = await api("GET", "/api/changes");
      if (head !== null && r.change !== head) {
        head = r.change;
        if (listeners.length) listeners.forEach((f) => f());
        else if (!document.querySelector("dialog[open]")) location.reload();
      }
      head = r.change;
    } catch (_) { /* the server may be restarting: try again next time */ }
  }

  function onChange(f) { listeners.push(f); }

  function askWhy(what) {
    const required = document.body.dataset.rationale === "1";
    const why = window.prompt(`Why ${what}?${required ? " (required in this project)" : " (optional, kept in the log)"}`) ;
    if (why === null) return null;
    return why.trim();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const input = document.getElementById("coder");
    if (input) {
      input.value = coder();
      input.addEventListener("change", () => { setCoder(input.value); location.reload(); });
    }
    if (coder()) setCoder(coder());
    api("GET", "/api/session").then((s) => {
      document.body.dataset.rationale = s.require_rationale ? "1" : "0";
      head = s.change;
    }).catch(() => {});
    setInterval(changed, 1000);
    document.getElementById("undo")?.addEventListener("click", () => act("POST", "/api/undo", {}));
    document.getElementById("redo")?.addEventListener("click", () => act("POST", "/api/redo", {}));
    document.addEventListener("keydown", (e) => {
      if (e.target.closest("input, textarea")) return;
      if ((e.ctrlKey || e.metaKey) && e.key === "z" && !e.shiftKey) { e.preventDefault(); act("POST", "/api/undo", {}); }
      if ((e.ctrlKey || e.metaKey) && (e.key === "y" || (e.key === "z" && e.shiftKey))) { e.preventDefault(); act("POST", "/api/redo", {}); }
    });
    templatePage();
    searchPage();
    reviewPage();
  });

  // The template panel: revisions from the tree.
  function templatePage() {
    const table = document.getElementById("template");
    const addTop = document.querySelector('.actions button[data-op="add"]');
    const handler = async (op, theme, name) => {
      const body = { op, theme };
      if (op === "add") {
        const n = window.prompt(theme ? `Name of the new sub-theme of ${theme} ${name}` : "Name of the new theme (Parent/Child makes a path)");
        if (!n) return;
        body.name = n; body.parent = theme || null;
        const d = window.prompt("Definition (optional)") || "";
        if (d.trim()) body.definition = d;
      } else if (op === "rename") {
        const n = window.prompt(`New name for ${theme} ${name}`, name);
        if (!n || n === name) return;
        body.name = n;
      } else if (op === "redefine") {
        const d = window.prompt(`New definition of ${theme} ${name}`);
        if (d === null) return;
        body.definition = d;
      } else if (op === "move") {
        const p = window.prompt(`Move ${theme} ${name} under which theme? (number or path; empty for the top level)`);
        if (p === null) return;
        body.parent = p.trim() || null;
      } else if (op === "merge") {
        const others = window.prompt(`Merge which themes into ${theme} ${name}? (numbers or paths, separated by commas)`);
        if (!others) return;
        body.themes = others.split(",").map((s) => s.trim()).filter(Boolean);
      } else if (op === "split") {
        const parts = window.prompt(`Split ${theme} ${name} into which themes? (names, separated by commas; its codings are queued for review)`);
        if (!parts) return;
        body.into = parts.split(",").map((s) => s.trim()).filter(Boolean);
      } else if (op === "delete") {
        const to = window.prompt(`Delete ${theme} ${name}. Reassign its codings to which theme? (empty: only if it has none)`);
        if (to === null) return;
        body.reassign_to = to.trim() || null;
      }
      const why = askWhy(`${op} ${theme || ""}`.trim());
      if (why === null) return;
      body.why = why;
      await act("POST", "/api/theme", body);
    };
    addTop?.addEventListener("click", () => handler("add", null, ""));
    table?.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-op]");
      if (!b) return;
      const tr = b.closest("tr");
      handler(b.dataset.op, tr.dataset.theme, tr.dataset.name);
    });
  }

  // Search: code a hit.
  function searchPage() {
    document.getElementById("hits")?.addEventListener("click", async (e) => {
      const b = e.target.closest("button.code-hit");
      if (!b) return;
      const tr = b.closest("tr");
      const theme = window.prompt("Code this passage with which theme? (number, name or path)");
      if (!theme) return;
      await act("POST", "/api/code", {
        transcript: tr.dataset.transcript, start: +tr.dataset.start, end: +tr.dataset.end, themes: [theme],
      });
    });
  }

  // Review: close entries.
  function reviewPage() {
    document.getElementById("review")?.addEventListener("click", async (e) => {
      const b = e.target.closest("button.review-done");
      if (!b) return;
      await act("POST", "/api/review/close", { transcript: b.dataset.transcript });
    });
  }

  return { api, act, toast, coder, requireCoder, onChange, readOnly };
})();

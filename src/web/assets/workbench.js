// tana serve: the transcript workbench. Read, select, code; highlights and margin stripes.
// Positions are Unicode code points, as tana stores them; the browser counts UTF-16 units, so
// every offset is converted here, exactly (emoji, combining marks, right-to-left text).
"use strict";

(() => {
  const root = document.getElementById("workbench");
  if (!root) return;
  const name = root.dataset.transcript;
  const box = document.getElementById("segments");
  const picker = document.getElementById("picker");
  const pickerInput = document.getElementById("picker-input");
  const pickerList = document.getElementById("picker-list");
  const popover = document.getElementById("popover");
  const byCoder = document.getElementById("bycoder");
  const PAGE = 60;

  let data = null;      // the transcript: segments, codings
  let themes = [];      // the template, in order
  let bySeg = [];       // per segment index: the codings that overlap it
  let shown = 0;        // segments rendered so far
  let pick = null;      // what the picker will do: {kind: "code", start, end} or {kind: "recode", coding}

  // Code points in a JS string (UTF-16).
  function cpLen(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n;
  }

  function rgba(hex, a) {
    const h = hex.replace("#", "");
    const f = h.length === 3 ? h.split("").map((x) => x + x).join("") : h;
    const n = parseInt(f, 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
  }

  const CODER_COLORS = ["#5b8ff9", "#e86452", "#61c46e", "#9a6fd6", "#e6a23c", "#2fb8b0", "#f08bb4"];
  function coderColor(name) {
    let h = 0;
    for (const ch of name) h = (h * 31 + ch.codePointAt(0)) >>> 0;
    return CODER_COLORS[h % CODER_COLORS.length];
  }

  async function load() {
    const [t, th] = await Promise.all([
      tana.api("GET", `/api/transcript/${encodeURIComponent(name)}`),
      tana.api("GET", "/api/themes"),
    ]);
    data = t;
    themes = th;
    bucket();
  }

  // Which codings touch each segment (codings and segments are both in text order).
  function bucket() {
    const segs = data.segments;
    bySeg = segs.map(() => []);
    const starts = segs.map((s) => s.end);
    for (const c of data.codings) {
      let lo = 0, hi = segs.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (starts[mid] <= c.start) lo = mid + 1; else hi = mid; }
      for (let i = lo; i < segs.length && segs[i].start < c.end; i++) bySeg[i].push(c);
    }
  }

  function renderSegment(i) {
    const s = data.segments[i];
    const row = document.createElement("div");
    row.className = "seg";
    row.id = `s${s.number}`;
    row.dataset.i = i;
    row.dataset.start = s.start;
    row.dataset.end = s.end;
    const num = document.createElement("div");
    num.className = "num";
    num.textContent = s.number;
    const who = document.createElement("div");
    who.className = "who";
    who.textContent = s.speaker ? (s.time ? `${s.speaker} ${s.time}` : s.speaker) : (s.time || "");
    const text = document.createElement("div");
    text.className = "text";
    text.dir = "auto";
    const cps = Array.from(s.text);
    const cs = bySeg[i];
    const cuts = new Set([0, cps.length]);
    for (const c of cs) {
      cuts.add(Math.max(0, Math.min(cps.length, c.start - s.start)));
      cuts.add(Math.max(0, Math.min(cps.length, c.end - s.start)));
    }
    const points = [...cuts].sort((a, b) => a - b);
    for (let k = 0; k + 1 < points.length; k++) {
      const a = points[k], b = points[k + 1];
      if (a === b) continue;
      const piece = document.createElement("span");
      piece.dataset.s = s.start + a;
      piece.dataset.e = s.start + b;
      piece.textContent = cps.slice(a, b).join("");
      const over = cs.filter((c) => c.start <= s.start + a && c.end >= s.start + b);
      if (over.length) {
        // The innermost coding's colour on top; several are underlined.
        const inner = over.reduce((x, y) => (y.end - y.start < x.end - x.start ? y : x));
        piece.className = over.length > 1 ? "hl multi" : "hl";
        piece.style.background = rgba(byCoder.checked ? coderColor(inner.coder) : inner.color, 0.32);
        piece.dataset.codings = over.map((c) => c.id).join(",");
        piece.title = over.map(label).join("\n");
      }
      text.appendChild(piece);
    }
    if (!cps.length) text.appendChild(Object.assign(document.createElement("span"), { textContent: "", dataset: { s: s.start, e: s.end } }));
    const stripes = document.createElement("div");
    stripes.className = "stripes";
    const seen = new Map();
    for (const c of cs) {
      const key = byCoder.checked ? `c:${c.coder}` : `t:${c.theme}`;
      if (!seen.has(key)) seen.set(key, []);
      seen.get(key).push(c);
    }
    for (const [key, list] of seen) {
      const st = document.createElement("i");
      const c = list[0];
      st.style.background = key.startsWith("c:") ? coderColor(c.coder) : c.color;
      st.title = list.map(label).join("\n");
      st.dataset.codings = list.map((x) => x.id).join(",");
      stripes.appendChild(st);
    }
    row.append(num, who, text, stripes);
    return row;
  }

  function label(c) {
    return `${c.number} ${c.path} — ${c.coder}${c.memo ? ` — memo: ${c.memo}` : ""}`;
  }

  function render(upTo) {
    const keep = window.scrollY;
    box.textContent = "";
    shown = 0;
    more(Math.max(upTo || 0, PAGE));
    window.scrollTo(0, keep);
    // For tests: the change of the log this page shows.
    window.tanaShownChange = data.change;
  }

  // Render the next page of segments (only what the reader reaches is in the page).
  function more(n) {
    box.querySelector(".more")?.remove();
    const end = Math.min(data.segments.length, shown + n);
    const frag = document.createDocumentFragment();
    for (let i = shown; i < end; i++) frag.appendChild(renderSegment(i));
    box.appendChild(frag);
    shown = end;
    if (shown < data.segments.length) {
      const m = document.createElement("div");
      m.className = "more";
      m.textContent = `segments ${shown + 1}–${data.segments.length} follow…`;
      box.appendChild(m);
      sentinel.observe(m);
    }
    if (!data.segments.length) box.innerHTML = '<p class="empty">This transcript has no segments.</p>';
  }

  const sentinel = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) more(PAGE);
  }, { rootMargin: "800px" });

  function jump() {
    const m = /^#s(\d+)$/.exec(location.hash);
    if (!m) return;
    const i = data.segments.findIndex((s) => s.number === +m[1]);
    if (i < 0) return;
    if (i >= shown) more(i - shown + PAGE);
    const el = document.getElementById(`s${m[1]}`);
    if (el) { el.scrollIntoView({ block: "center" }); el.classList.add("flash"); setTimeout(() => el.classList.remove("flash"), 1500); }
  }

  // A DOM position to an absolute code point in the transcript.
  function pointCp(node, offset) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    if (!el || !box.contains(el)) return null;
    const piece = el.closest("[data-s]");
    if (piece && node.nodeType === Node.TEXT_NODE) return +piece.dataset.s + cpLen(node.data.slice(0, offset));
    if (piece) return offset === 0 ? +piece.dataset.s : +piece.dataset.e;
    const text = el.closest(".text");
    if (text) {
      const kids = text.children;
      return offset < kids.length ? +kids[offset].dataset.s : +text.closest(".seg").dataset.end;
    }
    const seg = el.closest(".seg");
    if (seg) return el.closest(".stripes") ? +seg.dataset.end : +seg.dataset.start;
    return null;
  }

  function selectionSpan() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const r = sel.getRangeAt(0);
    const a = pointCp(r.startContainer, r.startOffset);
    const b = pointCp(r.endContainer, r.endOffset);
    if (a === null || b === null) return null;
    const start = Math.min(a, b), end = Math.max(a, b);
    return end > start ? { start, end, rect: r.getBoundingClientRect() } : null;
  }

  // The segment (index) and code point under the caret, or the start of the selection.
  function caret() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0) return null;
    const r = sel.getRangeAt(0);
    const cp = pointCp(r.startContainer, r.startOffset);
    const seg = (r.startContainer.nodeType === Node.TEXT_NODE ? r.startContainer.parentElement : r.startContainer)?.closest?.(".seg");
    if (cp === null || !seg) return null;
    return { i: +seg.dataset.i, cp, rect: r.getBoundingClientRect() };
  }

  // The theme picker.
  function recent() {
    try { return JSON.parse(localStorage.getItem("tana.recent") || "[]"); } catch (_) { return []; }
  }
  function remember(id) {
    const r = recent().filter((x) => x !== id);
    r.unshift(id);
    localStorage.setItem("tana.recent", JSON.stringify(r.slice(0, 12)));
  }

  function openPicker(action, rect) {
    pick = action;
    picker.hidden = false;
    const top = window.scrollY + (rect ? rect.bottom : 120) + 6;
    const left = Math.min(window.scrollX + (rect ? rect.left : 100), window.scrollX + window.innerWidth - 440);
    picker.style.top = `${top}px`;
    picker.style.left = `${Math.max(8, left)}px`;
    pickerInput.value = "";
    fill();
    pickerInput.focus();
  }

  function closePicker() {
    picker.hidden = true;
    pick = null;
  }

  function fill() {
    const q = pickerInput.value.trim().toLowerCase();
    const rec = recent();
    let list = themes.filter((t) => !q || t.number.startsWith(q) || t.name.toLowerCase().includes(q) || t.path.toLowerCase().includes(q));
    list = list.slice().sort((a, b) => {
      const ra = rec.indexOf(a.id), rb = rec.indexOf(b.id);
      if (ra !== rb) return (ra < 0 ? 99 : ra) - (rb < 0 ? 99 : rb);
      return 0;
    });
    pickerList.textContent = "";
    for (const t of list.slice(0, 60)) {
      const li = document.createElement("li");
      li.dataset.ref = `#${t.id}`;
      li.dataset.id = t.id;
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = t.color;
      const b = document.createElement("b");
      b.textContent = t.number;
      const n = document.createElement("span");
      n.textContent = t.name;
      const p = document.createElement("span");
      p.className = "path";
      p.textContent = t.level > 1 ? t.path.split("/").slice(0, -1).join(" / ") : "";
      li.append(sw, b, n, p);
      pickerList.appendChild(li);
    }
    const exact = themes.some((t) => t.name.toLowerCase() === q || t.path.toLowerCase() === q || t.number === q);
    if (q && !exact && pick && pick.kind === "code") {
      const li = document.createElement("li");
      li.className = "new";
      li.dataset.create = pickerInput.value.trim();
      li.textContent = `+ new theme “${pickerInput.value.trim()}” (Parent/Name for a sub-theme)`;
      pickerList.appendChild(li);
    }
    pickerList.firstElementChild?.classList.add("on");
  }

  async function choose(li) {
    if (!li || !pick) return;
    const action = pick;
    closePicker();
    if (li.dataset.id) remember(+li.dataset.id);
    if (action.kind === "code") {
      const body = { transcript: name, start: action.start, end: action.end, themes: [li.dataset.create || li.dataset.ref] };
      if (li.dataset.create) body.create = true;
      await tana.act("POST", "/api/code", body);
      window.getSelection()?.removeAllRanges();
    } else if (action.kind === "recode") {
      await tana.act("POST", "/api/recode", { coding: action.coding, theme: li.dataset.ref });
    }
  }

  pickerInput.addEventListener("input", fill);
  pickerInput.addEventListener("keydown", (e) => {
    const items = [...pickerList.children];
    const at = items.findIndex((x) => x.classList.contains("on"));
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = items[Math.max(0, Math.min(items.length - 1, at + (e.key === "ArrowDown" ? 1 : -1)))];
      items.forEach((x) => x.classList.remove("on"));
      next?.classList.add("on");
      next?.scrollIntoView({ block: "nearest" });
    } else if (e.key === "Enter") {
      e.preventDefault();
      choose(items[at] || items[0]);
    } else if (e.key === "Escape") {
      e.preventDefault();
      closePicker();
    }
  });
  pickerList.addEventListener("mousedown", (e) => {
    const li = e.target.closest("li");
    if (li) { e.preventDefault(); choose(li); }
  });

  // Selecting by keyboard: Chromium extends a selection with shift+arrows only in editable
  // text, so after a click in the transcript shift+←/→ (by character, or by word with Ctrl or
  // Alt), shift+↑/↓ (by line) and shift+Home/End (to the line's ends) are done here.
  // "character" steps over a whole grapheme (an emoji with its skin tone, e + U+0301).
  const EXTEND = {
    ArrowRight: ["right", "character"], ArrowLeft: ["left", "character"],
    ArrowDown: ["forward", "line"], ArrowUp: ["backward", "line"],
    Home: ["backward", "lineboundary"], End: ["forward", "lineboundary"],
  };
  document.addEventListener("keydown", (e) => {
    const how = EXTEND[e.key];
    if (!how || !e.shiftKey || e.metaKey || e.target.closest("input, textarea")) return;
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || !sel.focusNode || !box.contains(sel.focusNode)) return;
    e.preventDefault();
    const word = (e.ctrlKey || e.altKey) && how[1] === "character";
    sel.modify("extend", how[0], word ? "word" : how[1]);
  });

  // Keys: Enter or c codes the selection; s the segment; . the sentence.
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input, textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape") { closePicker(); popover.hidden = true; return; }
    if (!picker.hidden) return;
    if (e.key === "Enter" || e.key === "c") {
      const s = selectionSpan();
      if (!s) return;
      e.preventDefault();
      openPicker({ kind: "code", start: s.start, end: s.end }, s.rect);
    } else if (e.key === "s" || e.key === ".") {
      const c = caret();
      if (!c) return;
      e.preventDefault();
      const seg = data.segments[c.i];
      let start = seg.start, end = seg.end;
      if (e.key === ".") {
        const rel = c.cp - seg.start;
        const sn = seg.sentences.find(([a, b]) => rel >= a && rel < b) || seg.sentences.find(([a]) => rel <= a);
        if (!sn) return;
        start = seg.start + sn[0];
        end = seg.start + sn[1];
      }
      if (end > start) openPicker({ kind: "code", start, end }, c.rect);
    }
  });

  // A click on a highlight: what is coded there, and what to do with it.
  box.addEventListener("click", (e) => {
    const hl = e.target.closest(".hl, .stripes i");
    if (!hl || !selectionSpanEmpty()) return;
    const ids = hl.dataset.codings.split(",").map(Number);
    const list = data.codings.filter((c) => ids.includes(c.id));
    popover.textContent = "";
    for (const c of list) {
      const item = document.createElement("div");
      item.className = "item";
      const head = document.createElement("div");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = c.color;
      const t = document.createElement("b");
      t.textContent = `${c.number} ${c.path}`;
      head.append(sw, t, document.createTextNode(` · ${c.coder}`));
      item.appendChild(head);
      if (c.memo) {
        const m = document.createElement("div");
        m.className = "memo";
        m.textContent = c.memo;
        item.appendChild(m);
      }
      const btns = document.createElement("div");
      for (const [txt, fn] of [
        ["uncode", () => tana.act("POST", "/api/uncode", { coding: c.id })],
        ["change theme", () => openPicker({ kind: "recode", coding: c.id }, hl.getBoundingClientRect())],
        ["memo", () => { const m = window.prompt(`Memo on this coding of ${c.number} ${c.path}`); if (m && m.trim()) tana.act("POST", "/api/memo", { coding: c.id, text: m }); }],
      ]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = txt;
        b.addEventListener("click", () => { popover.hidden = true; fn(); });
        btns.appendChild(b);
      }
      item.appendChild(btns);
      popover.appendChild(item);
    }
    const r = hl.getBoundingClientRect();
    popover.style.top = `${window.scrollY + r.bottom + 4}px`;
    popover.style.left = `${Math.max(8, Math.min(window.scrollX + r.left, window.scrollX + window.innerWidth - 400))}px`;
    popover.hidden = false;
  });

  function selectionSpanEmpty() {
    const sel = window.getSelection();
    return !sel || sel.isCollapsed;
  }

  document.addEventListener("mousedown", (e) => {
    if (!popover.hidden && !popover.contains(e.target)) popover.hidden = true;
    if (!picker.hidden && !picker.contains(e.target)) closePicker();
  });

  byCoder.addEventListener("change", () => render(shown));
  window.addEventListener("hashchange", jump);

  // Another browser (or a command) changed the project: reload the data, keep the place.
  tana.onChange(async () => {
    try {
      await load();
      render(shown);
    } catch (e) {
      tana.toast(e.message, true);
    }
  });

  load().then(() => { render(PAGE); jump(); }).catch((e) => {
    box.innerHTML = "";
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = e.message;
    box.appendChild(p);
  });

  // For tests and scripts: the code-point span of the current selection.
  window.tanaSelection = () => { const s = selectionSpan(); return s ? [s.start, s.end] : null; };
})();

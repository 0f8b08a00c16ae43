// mediabank pages: small progressive behaviour over server-rendered HTML.
// Every change goes to the JSON API with the session's CSRF token; the
// server decides, this only asks and shows the answer. Text comes from the
// catalogue the server put in #messages; nothing here is user-facing
// English or Indonesian of its own. Everything from users or cameras is
// put in the page with textContent, never as HTML.
"use strict";
(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const M = JSON.parse(($("#messages") || { textContent: "{}" }).textContent || "{}");
  const lang = document.body.dataset.lang || "id";
  const locale = lang === "en" ? "en-GB" : "id-ID";
  const csrf = ($('meta[name="csrf-token"]') || {}).content || "";

  // msg fills %s and %d placeholders in order, as the Go side does.
  function msg(key, ...args) {
    let s = M[key] || key;
    for (const a of args) s = s.replace(/%[sdv]/, String(a));
    return s;
  }

  const nf0 = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const nf1 = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  function bytes(n) {
    const u = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? nf0.format(n) : nf1.format(n)) + " " + u[i];
  }

  let toastTimer;
  function toast(text, bad) {
    const t = $("#toast");
    if (!t) return;
    t.textContent = text;
    t.classList.toggle("bad", !!bad);
    t.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => t.classList.remove("show"), 6000);
  }

  // api calls the JSON API; it resolves to {ok, status, data, etag}.
  async function api(method, url, body, headers) {
    const h = Object.assign({ "Accept": "application/json" }, headers || {});
    if (method !== "GET") h["X-CSRF-Token"] = csrf;
    if (body !== undefined) h["Content-Type"] = "application/json";
    let res;
    try {
      res = await fetch(url, { method, headers: h, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      return { ok: false, status: 0, data: { error: msg("error.network") } };
    }
    let data = {};
    if (res.status !== 204) {
      try { data = await res.json(); } catch (e) { data = {}; }
    }
    return { ok: res.ok, status: res.status, data, etag: res.headers.get("ETag") || "" };
  }

  // downloadZip posts body to url and saves the ZIP it streams back. A
  // plain form cannot send the CSRF header, so fetch it and hand the
  // browser the blob to save. It reports whether it did.
  async function downloadZip(url, body) {
    try {
      const res = await fetch(url, { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/zip", "X-CSRF-Token": csrf },
        body: JSON.stringify(body) });
      if (!res.ok) {
        let data = {};
        try { data = await res.json(); } catch (e) { data = {}; }
        toast(problem({ status: res.status, data }), true);
        return false;
      }
      const blob = await res.blob();
      const m = /filename="?([^";]+)"?/.exec(res.headers.get("Content-Disposition") || "");
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = m ? m[1] : "mediabank.zip";
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
      return true;
    } catch (e) {
      toast(msg("error.network"), true);
      return false;
    }
  }

  // problem is what to tell the user about a failed call.
  function problem(r) {
    const generic = M["error." + r.status];
    const detail = r.data && r.data.error ? r.data.error : "";
    return generic ? (detail ? generic + " (" + detail + ")" : generic) : (detail || msg("error.unknown"));
  }

  function showError(form, text) {
    const p = form && $("[data-error]", form.closest("section") || form);
    if (p) { p.textContent = text; p.hidden = false; p.focus && p.setAttribute("tabindex", "-1"); }
    toast(text, true);
  }

  // ---- login, logout, language -------------------------------------------
  const login = $("#login-form");
  if (login) {
    login.addEventListener("submit", async (e) => {
      e.preventDefault();
      const err = $("#login-error");
      const name = login.elements.name.value.trim(), password = login.elements.password.value;
      if (!name || !password) { err.textContent = msg("login.missing"); err.hidden = false; return; }
      const btn = $("button[type=submit]", login);
      btn.disabled = true;
      const r = await api("POST", "/api/v1/session", { name, password });
      btn.disabled = false;
      if (r.ok) { location.assign(login.dataset.next || "/beranda"); return; }
      err.textContent = r.status === 401 ? msg("login.wrong") : problem(r);
      err.hidden = false;
      login.elements.password.select();
    });
  }
  $$("[data-logout]").forEach((b) => b.addEventListener("click", async () => {
    await api("DELETE", "/api/v1/session");
    location.assign("/masuk");
  }));
  $$("[data-set-lang]").forEach((b) => b.addEventListener("click", async () => {
    const r = await api("PATCH", "/api/v1/me", { language: b.dataset.setLang });
    if (r.ok) location.reload(); else toast(problem(r), true);
  }));

  // ---- ingest progress, live (dashboard and uploads) ---------------------
  const dateFmt = new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Jakarta" });
  function dateTime(iso) {
    const p = {};
    for (const x of dateFmt.formatToParts(new Date(iso))) p[x.type] = x.value;
    return p.day + " " + p.month + " " + p.year + ", " + p.hour + (lang === "en" ? ":" : ".") + p.minute + " WIB";
  }
  function percent(j) {
    if (j.state !== "running") return 100;
    return j.bytes_total > 0 ? Math.floor(100 * j.bytes_done / j.bytes_total) : 0;
  }
  // renderJob updates (or builds) the row of one job from an SSE event.
  function renderJob(list, j) {
    let li = $('[data-job="' + CSS.escape(j.id) + '"]', list);
    if (!li) {
      li = document.createElement("li");
      li.className = "job";
      li.dataset.job = j.id;
      const head = document.createElement("div");
      head.className = "job-head";
      const k = document.createElement("strong");
      k.textContent = msg("job.kind." + j.kind);
      head.append(k);
      if (j.label) { const s = document.createElement("span"); s.textContent = j.label; head.append(" ", s); }
      if (j.collection) { const a = document.createElement("a"); a.href = "/liputan/" + encodeURIComponent(j.collection); a.textContent = j.collection; head.append(" ", a); }
      const when = document.createElement("span"); when.className = "muted"; when.textContent = dateTime(j.started_at); head.append(" ", when);
      const bar = document.createElement("progress"); bar.max = 100; bar.setAttribute("aria-label", msg("job.progress"));
      const stats = document.createElement("div"); stats.className = "job-stats";
      for (const f of ["files", "bytes", "state"]) { const s = document.createElement("span"); s.dataset.f = f; stats.append(s, " "); }
      const eject = document.createElement("p"); eject.className = "eject"; eject.dataset.f = "eject"; eject.hidden = true;
      li.append(head, bar, stats, eject);
      list.prepend(li);
    }
    li.dataset.state = j.state;
    $("progress", li).value = percent(j);
    $('[data-f="files"]', li).textContent = msg("job.files", nf0.format(j.files_done), nf0.format(j.files_total));
    $('[data-f="bytes"]', li).textContent = bytes(j.bytes_done) + " / " + bytes(j.bytes_total);
    $('[data-f="state"]', li).textContent = msg("job.state." + j.state);
    const eject = $('[data-f="eject"]', li);
    if (j.safe_to_eject) {
      eject.hidden = false;
      eject.classList.toggle("safe", !j.failed);
      eject.textContent = j.failed ? msg("job.notsafe") : msg("job.safe");
    }
  }
  // listeners are told of every job change; one EventSource serves the page.
  const listeners = [];
  let source;
  function watchJobs(fn) {
    listeners.push(fn);
    if (source) return;
    source = new EventSource("/api/v1/ingests/events");
    source.addEventListener("ingest", (ev) => {
      let j;
      try { j = JSON.parse(ev.data); } catch (e) { return; }
      for (const f of listeners) f(j);
    });
  }
  const ingests = $("#ingests[data-live]");
  if (ingests) {
    const list = $(".jobs", ingests);
    watchJobs((j) => { renderJob(list, j); $("[data-empty]", ingests).hidden = true; });
  }

  // ---- search: selection and actions on it --------------------------------
  // On a narrow screen the filters start folded, below the search box.
  const facets = $("[data-facets]");
  if (facets) {
    const narrow = window.matchMedia("(max-width: 899px)");
    facets.open = !narrow.matches;
    narrow.addEventListener("change", (e) => { facets.open = !e.matches; });
  }

  const grid = $("#grid");
  if (grid) {
    const boxes = $$("[data-select]", grid);
    const count = $("[data-selcount]");
    let last = -1;
    const selected = () => boxes.filter((b) => b.checked).map((b) => b.value);
    function update() {
      const n = selected().length;
      count.textContent = msg("search.selected", nf0.format(n));
      $$("[data-add-to-collection],[data-add-keyword],[data-download]").forEach((b) => { b.disabled = n === 0; });
      // Actions on the selection appear once there is one, so a phone's
      // screen starts with the pictures, not with buttons.
      const acts = $("[data-selactions]");
      if (acts) acts.hidden = n === 0;
      boxes.forEach((b) => b.closest(".tile").classList.toggle("selected", b.checked));
    }
    boxes.forEach((b, i) => {
      b.addEventListener("click", (e) => {
        // Shift selects the range from the last box clicked, as in a file manager.
        if (e.shiftKey && last >= 0) {
          const [a, z] = [Math.min(last, i), Math.max(last, i)];
          for (let k = a; k <= z; k++) boxes[k].checked = b.checked;
        }
        last = i;
        update();
      });
      b.addEventListener("change", update);
    });
    const all = $("[data-select-all]"), none = $("[data-select-none]");
    all && all.addEventListener("click", () => { boxes.forEach((b) => { b.checked = true; }); update(); });
    none && none.addEventListener("click", () => { boxes.forEach((b) => { b.checked = false; }); update(); });
    // Keyboard: arrows move between tiles, x toggles the tile's selection.
    grid.addEventListener("keydown", (e) => {
      const tile = e.target.closest(".tile");
      if (!tile || e.target.matches("input[type=text]")) return;
      const tiles = $$(".tile", grid), i = tiles.indexOf(tile);
      const cols = Math.max(1, Math.round(grid.clientWidth / tile.getBoundingClientRect().width));
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, ArrowDown: i + cols, ArrowUp: i - cols }[e.key];
      if (to !== undefined && tiles[to]) { e.preventDefault(); $("a", tiles[to]).focus(); return; }
      if (e.key === "x" || e.key === "X") { e.preventDefault(); const b = $("[data-select]", tile); b.checked = !b.checked; update(); }
    });
    const addCol = $("[data-add-to-collection]");
    addCol && addCol.addEventListener("click", async () => {
      const id = $("#sel-col").value, ids = selected();
      const cur = await api("GET", "/api/v1/collections/" + encodeURIComponent(id));
      if (!cur.ok) { toast(problem(cur), true); return; }
      const r = await api("PATCH", "/api/v1/collections/" + encodeURIComponent(id), { add_material: ids }, { "If-Match": cur.etag });
      if (r.ok) toast(msg("search.added", nf0.format(ids.length), r.data.title)); else toast(problem(r), true);
    });
    const addKw = $("[data-add-keyword]");
    addKw && addKw.addEventListener("click", async () => {
      const kw = $("#sel-kw").value.trim();
      if (!kw) { $("#sel-kw").focus(); return; }
      let done = 0;
      for (const id of selected()) {
        const a = await api("GET", "/api/v1/assets/" + id);
        if (!a.ok) { toast(problem(a), true); return; }
        const kws = (a.data.effective && a.data.effective.keywords) || [];
        if (kws.includes(kw)) { done++; continue; }
        const r = await api("PATCH", "/api/v1/assets/" + id, { keywords: kws.concat([kw]) }, { "If-Match": a.etag });
        if (!r.ok) { toast(problem(r), true); return; }
        done++;
      }
      toast(msg("search.keywordadded", kw, nf0.format(done)));
    });
    const dl = $("[data-download]");
    dl && dl.addEventListener("click", async () => {
      // One ZIP of the originals, streamed by the server. A plain form
      // cannot send the CSRF header, so fetch it and hand the browser the
      // blob to save.
      const ids = selected();
      if (ids.length === 0) return;
      dl.disabled = true;
      toast(msg("search.zipping", nf0.format(ids.length)));
      if (await downloadZip("/api/v1/assets/zip", { ids })) toast(msg("search.zipped", nf0.format(ids.length)));
      dl.disabled = selected().length === 0;
    });
    update();
  }

  // ---- asset: edit, and arrow keys to neighbours -------------------------
  const typing = (el) => el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  const prev = $("[data-key-prev]"), next = $("[data-key-next]");
  if (prev || next) {
    document.addEventListener("keydown", (e) => {
      if (typing(document.activeElement) || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === "ArrowLeft" && prev) location.assign(prev.href);
      if (e.key === "ArrowRight" && next) location.assign(next.href);
    });
  }
  const assetForm = $("#asset-form");
  if (assetForm) {
    assetForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = {};
      for (const el of $$("input[name],textarea[name]", assetForm)) {
        if (el.value === el.dataset.orig) continue;
        if (el.hasAttribute("data-list")) {
          const items = el.value.split(",").map((s) => s.trim()).filter(Boolean);
          body[el.name] = items.length ? items : null;
        } else {
          body[el.name] = el.value.trim() === "" ? null : el.value;
        }
      }
      if (Object.keys(body).length === 0) { toast(msg("asset.nochange")); return; }
      const r = await api("PATCH", "/api/v1/assets/" + assetForm.dataset.asset, body);
      if (r.ok) { toast(msg("saved")); setTimeout(() => location.reload(), 400); } else toast(problem(r), true);
    });
  }

  // ---- collection ----------------------------------------------------------
  const col = $("#collection");
  if (col) {
    const id = col.dataset.id;
    const base = "/api/v1/collections/" + encodeURIComponent(id);
    const etag = () => col.dataset.etag;
    async function patch(body) {
      const r = await api("PATCH", base, body, { "If-Match": etag() });
      if (r.ok) { col.dataset.etag = r.etag.replace(/^"|"$/g, ""); return true; }
      toast(r.status === 412 ? msg("error.412") : problem(r), true);
      return false;
    }
    $$("form.act", col).forEach((f) => f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { action: f.dataset.action };
      const note = f.elements.note ? f.elements.note.value.trim() : "";
      if (note) body.note = note;
      if (body.action === "return") {
        if (!note) { showError(f, msg("col.noterequired")); f.elements.note.focus(); return; }
        body.to = f.elements.to.value;
      }
      if (body.action === "publish") { body.channel = f.elements.channel.value; body.url = f.elements.url.value.trim(); }
      if (body.action === "propose_staff") {
        const users = $$("[data-staff-user]", f), tasks = $$("[data-staff-task]", f);
        body.staff = users.map((u, i) => ({ user: u.value, task: tasks[i].value })).filter((s) => s.user);
        if (body.staff.length === 0) { showError(f, msg("col.staffrequired")); users[0].focus(); return; }
      }
      const btn = $("button[type=submit]", f);
      btn.disabled = true;
      const r = await api("POST", base + "/actions", body, { "If-Match": etag() });
      btn.disabled = false;
      if (r.ok) { location.reload(); return; }
      showError(f, r.status === 412 ? msg("error.412") : problem(r));
    }));
    // Publikasi: the frame each channel posts of each pick, the crop
    // editor, the ZIP for a channel, then the publication record the
    // export is offered to. The frames come from the server (data-frames);
    // a saved crop comes back fitted by the server, which is what is drawn.
    const exp = $("form[data-export]", col);
    if (exp) {
      const sel = exp.elements.channel;
      const chosen = () => sel.selectedOptions[0];
      const framesOf = (li) => JSON.parse(li.dataset.frames || "{}");
      const place = (box, r) => {
        box.style.left = (100 * r.x) + "%"; box.style.top = (100 * r.y) + "%";
        box.style.width = (100 * r.w) + "%"; box.style.height = (100 * r.h) + "%";
      };
      const drawFrames = () => {
        const cropping = !!chosen().dataset.aspect;
        for (const li of $$(".crop-pick", col)) {
          const r = framesOf(li)[sel.value];
          if (r) place($(".crop-box", li), r);
          const b = $("[data-crop-edit]", li);
          if (b) b.hidden = !cropping;
        }
      };
      sel.addEventListener("change", drawFrames);
      drawFrames();

      const ed = $("#crop-editor");
      if (ed) {
        const img = $("#crop-img"), frame = $("#crop-frame"), handle = $("#crop-handle");
        const pct = (v) => nf0.format(100 * v) + "%";
        let cur = null; // {li, btn, id, name, aspect, ratio, r}
        // shape is the frame's height for width w, as fractions of this
        // picture, so the frame keeps the channel's aspect.
        const shape = () => img.naturalWidth / img.naturalHeight / cur.ratio;
        // clamp keeps the frame of the channel's shape inside the picture,
        // at least a twentieth of it wide.
        function clamp(r) {
          const k = shape();
          const w = Math.min(Math.max(r.w, 0.05), 1, 1 / k), h = w * k;
          return { x: Math.min(Math.max(r.x, 0), 1 - w), y: Math.min(Math.max(r.y, 0), 1 - h), w, h };
        }
        function show(r) {
          cur.r = clamp(r);
          place(frame, cur.r);
          $("#crop-where").textContent = msg("pub.cropwhere", pct(cur.r.x), pct(cur.r.y), pct(cur.r.w), pct(cur.r.h));
        }
        // grow resizes around the centre by dw of the picture's width.
        function grow(dw) {
          const r = cur.r, w = Math.min(Math.max(r.w + dw, 0.05), 1, 1 / shape());
          show({ x: r.x + (r.w - w) / 2, y: r.y + (r.h - w * shape()) / 2, w, h: w * shape() });
        }
        function close(text) {
          const btn = cur && cur.btn;
          ed.hidden = true;
          cur = null;
          if (text) toast(text);
          btn && btn.focus();
        }
        // update puts the frame the server answered into every channel of
        // its aspect on the pick, and draws it.
        function update(li, aspect, r) {
          const frames = framesOf(li);
          for (const o of $$("option", sel)) if (o.dataset.aspect === aspect) frames[o.value] = { x: r.x, y: r.y, w: r.w, h: r.h };
          li.dataset.frames = JSON.stringify(frames);
          drawFrames();
        }
        async function save(method) {
          const c = cur;
          const url = "/api/v1/assets/" + encodeURIComponent(c.id) + "/crops/" + c.aspect;
          const r = await api(method, url, method === "PUT" ? c.r : undefined);
          if (!r.ok) { showError(ed, problem(r)); return; }
          update(c.li, c.aspect, r.data);
          close(msg(method === "PUT" ? "pub.cropsaved" : "pub.cropdefault", c.name));
        }
        $$("[data-crop-edit]", col).forEach((btn) => btn.addEventListener("click", () => {
          const o = chosen(), li = btn.closest(".crop-pick");
          const [aw, ah] = o.dataset.aspect.split(":").map(Number);
          cur = { li, btn, id: li.dataset.id, name: btn.dataset.name, aspect: o.dataset.aspect, ratio: aw / ah, r: framesOf(li)[sel.value] };
          const title = $("#crop-editor-title");
          title.textContent = msg("pub.croptitle", cur.name, o.textContent, o.dataset.aspect);
          img.alt = $("img", li).alt;
          ed.hidden = false;
          const c = cur;
          const ready = () => {
            if (cur !== c) return;
            // Large enough to aim at, small previews scaled up, the whole
            // picture in view; the width alone sets the size, so the
            // frame's fractions hold.
            const room = Math.min(ed.clientWidth, 960, 0.7 * innerHeight * img.naturalWidth / img.naturalHeight);
            img.style.width = Math.max(room, 1) + "px";
            show(c.r);
            frame.focus();
            ed.scrollIntoView({ block: "nearest" });
          };
          const src = "/api/v1/assets/" + encodeURIComponent(c.id) + "/preview";
          if (img.getAttribute("src") === src && img.complete && img.naturalWidth) { ready(); return; }
          img.addEventListener("load", ready, { once: true });
          img.src = src;
        }));
        // Another channel may have another shape: the open frame goes.
        sel.addEventListener("change", () => cur && close(msg("pub.cropcancelled")));
        $("[data-crop-save]", ed).addEventListener("click", () => cur && save("PUT"));
        $("[data-crop-reset]", ed).addEventListener("click", () => cur && save("DELETE"));
        $("[data-crop-cancel]", ed).addEventListener("click", () => close(msg("pub.cropcancelled")));
        frame.addEventListener("keydown", (e) => {
          if (!cur) return;
          const step = 0.01;
          const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
          if (moves[e.key] && e.shiftKey) grow(e.key === "ArrowRight" || e.key === "ArrowUp" ? 2 * step : -2 * step);
          else if (moves[e.key]) show({ ...cur.r, x: cur.r.x + moves[e.key][0], y: cur.r.y + moves[e.key][1] });
          else if (e.key === "+" || e.key === "=") grow(0.05);
          else if (e.key === "-" || e.key === "_") grow(-0.05);
          else if (e.key === "Enter") save("PUT");
          else if (e.key === "Escape") close(msg("pub.cropcancelled"));
          else return;
          e.preventDefault();
        });
        // Dragging: the frame moves it, its corner resizes it from the top
        // left, both in fractions of the picture as shown.
        let drag = null;
        frame.addEventListener("pointerdown", (e) => {
          if (!cur || e.button !== 0) return;
          e.preventDefault();
          frame.focus();
          frame.setPointerCapture(e.pointerId);
          drag = { resize: e.target === handle, x: e.clientX, y: e.clientY, r: { ...cur.r }, box: img.getBoundingClientRect() };
        });
        frame.addEventListener("pointermove", (e) => {
          if (!drag || !cur) return;
          const dx = (e.clientX - drag.x) / drag.box.width, dy = (e.clientY - drag.y) / drag.box.height, r = drag.r;
          if (!drag.resize) { show({ ...r, x: r.x + dx, y: r.y + dy }); return; }
          const k = shape();
          // The larger of the two pulls, limited by the picture's edges.
          const w = Math.min(Math.max(r.w + dx, (r.h + dy) / k), 1 - r.x, (1 - r.y) / k);
          show({ x: r.x, y: r.y, w, h: w * k });
        });
        const drop = () => { drag = null; };
        frame.addEventListener("pointerup", drop);
        frame.addEventListener("pointercancel", drop);
      }

      exp.addEventListener("submit", async (e) => {
        e.preventDefault();
        const btn = $("button[type=submit]", exp), o = chosen();
        btn.disabled = true;
        toast(msg("pub.exporting"));
        if (await downloadZip(base + "/exports", { channel: o.value })) {
          toast(msg("pub.exported"));
          // The export is now in the coverage's history: its new ETag is
          // what the next change (recording the publication) must send.
          const r = await api("GET", base);
          if (r.ok) col.dataset.etag = r.etag.replace(/^"|"$/g, "");
          // Offered to the publication record of that channel, when the
          // workflow lets this user record one now (the form is there).
          const done = $("[data-export-done]", col), pub = $("#publish-record #pub-channel");
          const known = pub && $$("option", pub).some((p) => p.value === o.dataset.publication);
          done.textContent = msg(known ? "pub.recordoffer" : "pub.exportdone", o.textContent);
          done.hidden = false;
          if (known) { pub.value = o.dataset.publication; $("#pub-url").focus(); }
        }
        btn.disabled = false;
      });
    }
    const share = $("form[data-share]", col);
    share && share.addEventListener("submit", async (e) => {
      e.preventDefault();
      // The end of the chosen day, in the office's zone (WIB).
      const until = share.elements.until.value + "T23:59:59+07:00";
      const r = await api("POST", "/api/v1/shares", { collection: id, channel: share.elements.channel.value, expires_at: until });
      if (!r.ok) { showError(share, problem(r)); return; }
      const made = $("[data-share-made]", col);
      $("#share-url", made).value = location.origin + r.data.url;
      made.hidden = false;
      $("#share-url", made).select();
    });
    $$("[data-revoke]", col).forEach((b) => b.addEventListener("click", async () => {
      const r = await api("DELETE", "/api/v1/shares/" + b.dataset.revoke);
      if (r.ok) { location.reload(); return; }
      showError(b, problem(r));
    }));
    $$("[data-check]", col).forEach((b) => b.addEventListener("change", async () => {
      if (!(await patch({ checklist: [{ item: b.dataset.check, done: b.checked }] }))) b.checked = !b.checked;
    }));
    // Picking in the material grid saves and reloads, so the ordered list
    // of picks below shows the new one in its place.
    const picks = () => $$("#picks > li").map((li) => li.dataset.id);
    $$("[data-pick]", col).forEach((b) => b.addEventListener("change", async () => {
      const id = b.dataset.pick;
      const p = picks().filter((x) => x !== id);
      if (b.checked) p.push(id);
      const body = { picks: p };
      const cover = $("[data-cover]:checked", col);
      if (cover && !p.includes(cover.dataset.cover)) body.cover = "";
      if (await patch(body)) location.reload(); else b.checked = !b.checked;
    }));
    // Order of the picks: up and down buttons, so it works by keyboard and
    // on a phone as well as by mouse; one save per move.
    const pickList = $("#picks");
    if (pickList) {
      let busy = false;
      const rows = () => $$(":scope > li", pickList);
      const ends = () => rows().forEach((li, i, all) => {
        const up = $('[data-move="up"]', li), down = $('[data-move="down"]', li);
        if (up) up.disabled = i === 0;
        if (down) down.disabled = i === all.length - 1;
      });
      pickList.addEventListener("click", async (e) => {
        const b = e.target.closest("[data-move]");
        if (!b || b.disabled || busy) return;
        const li = b.closest("li"), up = b.dataset.move === "up";
        const other = up ? li.previousElementSibling : li.nextElementSibling;
        if (!other) return;
        const order = rows().map((r) => r.dataset.id);
        const i = order.indexOf(li.dataset.id), j = up ? i - 1 : i + 1;
        [order[i], order[j]] = [order[j], order[i]];
        busy = true;
        const ok = await patch({ picks: order });
        busy = false;
        if (!ok) return;
        if (up) other.before(li); else other.after(li);
        ends();
        // Keep the keyboard on the row it moved; at an end, on the other button.
        (b.disabled ? $('[data-move="' + (up ? "down" : "up") + '"]', li) : b).focus();
        toast(msg("col.moved", $(".pick-name", li).textContent, nf0.format(j + 1)));
      });
      $$("[data-cover]", pickList).forEach((r) => r.addEventListener("change", async () => {
        const li = r.closest("li");
        if (await patch({ cover: r.dataset.cover })) {
          rows().forEach((x) => x.classList.toggle("is-cover", x === li));
          toast(msg("col.coverset", $(".pick-name", li).textContent));
        } else {
          const was = $("li.is-cover [data-cover]", pickList);
          r.checked = false;
          if (was) was.checked = true;
        }
      }));
    }
    const nf = $("#narrative-form");
    nf && nf.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (await patch({ narrative: nf.elements.narrative.value })) location.reload();
    });
    $$("[data-diff]", col).forEach((b) => b.addEventListener("click", async () => {
      const to = Number(b.dataset.diff);
      const r = await api("GET", base + "/diff?from=" + (to - 1) + "&to=" + to);
      if (!r.ok) { toast(problem(r), true); return; }
      const pre = $("#diff");
      pre.replaceChildren();
      for (const line of (r.data.diff || "").split("\n")) {
        if (line === "") continue;
        const s = document.createElement("span");
        s.className = line[0] === "+" ? "add" : line[0] === "-" ? "del" : "same";
        s.textContent = line + "\n";
        pre.append(s);
      }
      pre.hidden = false;
      pre.focus();
    }));

    // Upload: files go one request each so each has its own progress bar;
    // then the ingest job of each reports through the event stream.
    const zone = $("#dropzone");
    if (zone) {
      const input = $("#upload-input"), list = $("#uploads");
      const jobs = new Map(); // job id -> row
      let pending = 0;
      watchJobs((j) => {
        const row = jobs.get(j.id);
        if (!row) return;
        $("progress", row).value = 50 + percent(j) / 2;
        if (j.state === "running") { $(".status", row).textContent = msg("upload.processing"); return; }
        jobs.delete(j.id);
        const ok = j.state === "done" && !j.failed;
        row.dataset.state = ok ? "done" : "failed";
        $(".status", row).textContent = !ok ? msg("upload.failed", (j.report && j.report.failures && j.report.failures[0] && j.report.failures[0].error) || j.error || "")
          : j.duplicates ? msg("upload.duplicate") : msg("upload.done");
        if (--pending === 0) finished();
      });
      function finished() {
        const p = document.createElement("li");
        p.className = "upload-done";
        const b = document.createElement("button");
        b.type = "button"; b.className = "primary"; b.textContent = msg("upload.reload");
        b.addEventListener("click", () => location.reload());
        p.append(b);
        list.append(p);
      }
      const queue = [];
      let busy = false;
      function add(files) {
        for (const f of files) {
          const li = document.createElement("li");
          li.className = "upload";
          li.dataset.state = "queued";
          const name = document.createElement("span"); name.className = "name"; name.textContent = f.name;
          const bar = document.createElement("progress"); bar.max = 100; bar.value = 0; bar.setAttribute("aria-label", msg("upload.progress", f.name));
          const st = document.createElement("span"); st.className = "status"; st.textContent = msg("upload.queued");
          li.append(name, bar, st);
          list.append(li);
          queue.push({ f, li });
          pending++;
        }
        pump();
      }
      function pump() {
        if (busy || queue.length === 0) return;
        busy = true;
        const { f, li } = queue.shift();
        const xhr = new XMLHttpRequest();
        const fd = new FormData();
        fd.append("collection", zone.dataset.collection);
        fd.append("files", f, f.name);
        xhr.open("POST", "/api/v1/uploads");
        xhr.setRequestHeader("X-CSRF-Token", csrf);
        xhr.setRequestHeader("Accept", "application/json");
        li.dataset.state = "uploading";
        $(".status", li).textContent = msg("upload.uploading");
        // The first half of the bar is the bytes sent, the second the ingest.
        xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) $("progress", li).value = Math.floor(50 * e.loaded / e.total); });
        xhr.addEventListener("loadend", () => {
          busy = false;
          let data = {};
          try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
          if (xhr.status === 202 && data.id) {
            $("progress", li).value = 50;
            li.dataset.state = "processing";
            $(".status", li).textContent = msg("upload.processing");
            li.dataset.job = data.id;
            jobs.set(data.id, li);
          } else {
            li.dataset.state = "failed";
            $(".status", li).textContent = msg("upload.failed", problem({ status: xhr.status, data }));
            if (--pending === 0) finished();
          }
          pump();
        });
        xhr.send(fd);
      }
      input.addEventListener("change", () => { add(Array.from(input.files)); input.value = ""; });
      zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
      zone.addEventListener("dragleave", () => zone.classList.remove("over"));
      zone.addEventListener("drop", (e) => { e.preventDefault(); zone.classList.remove("over"); add(Array.from(e.dataTransfer.files)); });
    }
  }

  // ---- new collection -----------------------------------------------------
  const nc = $("#new-collection");
  if (nc) {
    nc.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = {};
      for (const k of ["title", "agency", "place", "starts_at", "description"]) {
        const v = nc.elements[k].value.trim();
        if (v) body[k] = v;
      }
      const r = await api("POST", "/api/v1/collections", body);
      if (r.ok) location.assign("/liputan/" + encodeURIComponent(r.data.id)); else showError(nc, problem(r));
    });
  }

  // ---- users ---------------------------------------------------------------
  $$("tr[data-user]").forEach((tr) => {
    const save = async (body, undo) => {
      const r = await api("PATCH", "/api/v1/users/" + encodeURIComponent(tr.dataset.user), body, { "If-Match": tr.dataset.version });
      if (r.ok) { tr.dataset.version = r.data.version; toast(msg("saved")); } else { undo(); toast(problem(r), true); }
    };
    const role = $("[data-role]", tr), dis = $("[data-disabled]", tr);
    let was = role.value;
    role.addEventListener("change", () => save({ role: role.value }, () => { role.value = was; }).then(() => { was = role.value; }));
    dis.addEventListener("change", () => save({ disabled: dis.checked }, () => { dis.checked = !dis.checked; }));
  });
  const au = $("#add-user");
  au && au.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { name: au.elements.name.value.trim(), role: au.elements.role.value, password: au.elements.password.value };
    const dn = au.elements.display_name.value.trim();
    if (dn) body.display_name = dn;
    const r = await api("POST", "/api/v1/users", body);
    if (r.ok) location.reload(); else showError(au, problem(r));
  });
})();

// repomock console: plain JavaScript, no library, no build step.
//
// It reads the admin API: the journal as server-sent events
// (GET /__admin/requests/stream, read with fetch so that the admin token
// travels in a header, never in a URL), the sessions and their objects,
// and the faults. Everything a request carried is written with
// textContent, never as markup.
"use strict";

(() => {
  const TOKEN_KEY = "repomock.adminToken";
  const TOKEN_HEADER = "X-Repomock-Admin-Token";
  const MAX_ENTRIES = 1000; // the browser keeps the newest this many
  const $ = (sel) => document.querySelector(sel);

  // el builds an element: el("td", {class: "x"}, "text", child, …).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // ---- The admin API, with the token when the server asks for one.

  let tokenPrompt = null; // the pending prompt, shared by every caller

  function askToken(message) {
    if (tokenPrompt) return tokenPrompt;
    const dialog = $("#token-dialog");
    $("#token-error").textContent = message || "";
    $("#token-input").value = "";
    tokenPrompt = new Promise((resolve) => {
      const form = $("#token-form");
      const done = (ev) => {
        ev.preventDefault();
        const token = $("#token-input").value;
        if (!token) return;
        sessionStorage.setItem(TOKEN_KEY, token);
        form.removeEventListener("submit", done);
        dialog.close();
        tokenPrompt = null;
        $("#forget-token").hidden = false;
        resolve();
      };
      form.addEventListener("submit", done);
    });
    dialog.showModal();
    $("#token-input").focus();
    return tokenPrompt;
  }

  // The dialog cannot be dismissed without a token: nothing works without one.
  $("#token-dialog").addEventListener("cancel", (ev) => ev.preventDefault());
  $("#forget-token").hidden = !sessionStorage.getItem(TOKEN_KEY);
  $("#forget-token").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });

  async function api(method, path, body) {
    for (;;) {
      const token = sessionStorage.getItem(TOKEN_KEY);
      const headers = {};
      if (token) headers[TOKEN_HEADER] = token;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
      if (res.status !== 401) return res;
      await askToken(token ? "The server refused that token. Try again." : "");
    }
  }

  async function getJSON(path) {
    const res = await api("GET", path);
    if (!res.ok) throw new Error(path + ": " + res.status + " " + (await errorText(res)));
    return res.json();
  }

  async function errorText(res) {
    const text = await res.text();
    try {
      return JSON.parse(text).message || text;
    } catch {
      return text;
    }
  }

  // ---- Formatting.

  // indentJSON pretty-prints JSON text token for token, as Go's json.Indent
  // does: numbers, escapes and key order stay as they were sent.
  function indentJSON(text) {
    let out = "";
    let depth = 0;
    let inString = false;
    let escaped = false;
    const newline = () => "\n" + "  ".repeat(depth);
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        out += ch;
        if (escaped) escaped = false;
        else if (ch === "\\") escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      switch (ch) {
        case '"':
          inString = true;
          out += ch;
          break;
        case "{":
        case "[": {
          let j = i + 1;
          while (j < text.length && " \t\r\n".includes(text[j])) j++;
          if (text[j] === (ch === "{" ? "}" : "]")) {
            out += ch + text[j];
            i = j;
            break;
          }
          depth++;
          out += ch + newline();
          break;
        }
        case "}":
        case "]":
          depth--;
          out += newline() + ch;
          break;
        case ",":
          out += "," + newline();
          break;
        case ":":
          out += ": ";
          break;
        case " ":
        case "\t":
        case "\r":
        case "\n":
          break;
        default:
          out += ch;
      }
    }
    return out;
  }

  // clock shows an RFC 3339 time as HH:MM:SS.mmm (UTC).
  function clock(t) {
    const m = /T(\d\d:\d\d:\d\d)(?:\.(\d+))?/.exec(t || "");
    if (!m) return t || "";
    return m[1] + "." + ((m[2] || "") + "000").slice(0, 3);
  }

  const sessionLabel = (name) => (name === "" ? "(default)" : name);

  function headerText(h) {
    const lines = [];
    for (const name of Object.keys(h || {}).sort()) {
      for (const v of h[name]) lines.push(name + ": " + v);
    }
    return lines.join("\n");
  }

  function bodyText(m) {
    if (m.body) return indentJSON(m.body);
    return m.body_text || "";
  }

  // curlOf is a curl command that sends the request again. Credentials
  // are redacted in the journal, so they are too in the command.
  function curlOf(e) {
    const q = (s) => "'" + String(s).replace(/'/g, "'\\''") + "'";
    const headers = e.request.header || {};
    const byHeader = Object.keys(headers).some((k) => k.toLowerCase() === "x-repomock-session");
    const prefix = e.session && !byHeader ? "/__sessions/" + e.session : "";
    const url = location.origin + prefix + e.path + (e.query ? "?" + e.query : "");
    const parts = ["curl", "-sS"];
    const body = e.request.body || e.request.body_text || "";
    if (e.method !== "GET" || body) parts.push("-X", e.method);
    parts.push(q(url));
    const skip = new Set(["host", "content-length", "accept-encoding", "connection"]);
    for (const name of Object.keys(headers).sort()) {
      if (skip.has(name.toLowerCase())) continue;
      for (const v of headers[name]) parts.push("-H", q(name + ": " + v));
    }
    if (body) parts.push("--data-raw", q(body));
    return parts.join(" ");
  }

  // ---- Vendors, sessions: what the filters and forms offer.

  let vendors = []; // [{id, name, operations}]
  const vendorName = (id) => (vendors.find((v) => v.id === id) || {}).name || id || "—";
  const knownSessions = new Set([""]);

  function fillSelect(select, options, keep) {
    const value = keep ? select.value : undefined;
    const fixed = [...select.querySelectorAll("option[data-fixed]")];
    select.replaceChildren(...fixed);
    for (const o of options) {
      if (o.group) {
        const g = el("optgroup", { label: o.group });
        for (const c of o.options) g.append(el("option", { value: c.value }, c.label));
        select.append(g);
      } else {
        select.append(el("option", { value: o.value }, o.label));
      }
    }
    if (keep && [...select.options].some((o) => o.value === value)) select.value = value;
  }

  function operationOptions(vendorID) {
    return vendors
      .filter((v) => !vendorID || v.id === vendorID)
      .map((v) => ({ group: v.name, options: v.operations.map((op) => ({ value: op, label: op })) }));
  }

  for (const sel of ["#f-vendor", "#f-session", "#f-operation", "#fa-vendor", "#fa-operation"]) {
    for (const o of $(sel).options) o.dataset.fixed = "";
  }

  async function loadVendors() {
    vendors = (await getJSON("/__admin/vendors")).vendors;
    const vs = vendors.map((v) => ({ value: v.id, label: v.name }));
    fillSelect($("#f-vendor"), vs, true);
    fillSelect($("#fa-vendor"), vs, true);
    fillSelect($("#f-operation"), operationOptions(""), true);
    fillSelect($("#fa-operation"), operationOptions($("#fa-vendor").value), true);
  }

  function noteSessions(names) {
    let grew = false;
    for (const n of names) {
      if (!knownSessions.has(n)) {
        knownSessions.add(n);
        grew = true;
      }
    }
    if (!grew) return;
    const named = [...knownSessions].filter((n) => n !== "").sort();
    fillSelect($("#f-session"), named.map((n) => ({ value: n, label: n })), true);
    fillSelect($("#s-session"), named.map((n) => ({ value: n, label: n })), true);
    $("#session-names").replaceChildren(...named.map((n) => el("option", { value: n })));
  }
  for (const o of $("#s-session").options) o.dataset.fixed = "";

  // ---- The journal.

  let entries = []; // newest first
  const open = new Set(); // ids of the expanded rows
  const table = $("#requests");

  function filters() {
    return {
      vendor: $("#f-vendor").value,
      session: $("#f-session").value,
      operation: $("#f-operation").value,
      failed: $("#f-failed").checked,
    };
  }

  // failed: the vendor refused the request (it broke the spec or the
  // vendor's rules), its answer broke the spec, or no operation matched.
  const isFailed = (e) => e.verdict === "rejected" || e.verdict === "invalid" || e.verdict === "unrouted";

  function matches(e, f) {
    return (
      (!f.vendor || e.vendor === f.vendor) &&
      (f.session === "*" || e.session === f.session) &&
      (!f.operation || e.operation_id === f.operation) &&
      (!f.failed || isFailed(e))
    );
  }

  function verdictCell(e) {
    const td = el("td", { class: "verdict verdict-" + e.verdict, "data-label": "Verdict" });
    const list = (vs) => el("ul", {}, ...vs.map((v) => el("li", { class: "violation" }, v)));
    switch (e.verdict) {
      case "rejected":
        // The spec's violations, or what the vendor answered.
        td.append("rejected: ", (e.violations || []).length ? list(e.violations) : e.reason || "");
        break;
      case "invalid":
        td.append("invalid: ", list(e.violations || []));
        break;
      case "unrouted":
        td.append("unrouted: no operation matched");
        break;
      case "stubbed":
        td.append("stubbed: stub " + e.stub);
        break;
      case "faulted":
        td.append(e.fault ? "faulted: fault " + e.fault : "faulted: Prefer");
        break;
      default:
        td.append(e.verdict || "");
    }
    return td;
  }

  function messagePanel(title, firstLine, m) {
    const size = m.body_bytes ? " (" + m.body_bytes + " bytes)" : "";
    const body = bodyText(m);
    return el(
      "div",
      {},
      el("h4", {}, title),
      el("pre", { class: "line" }, firstLine),
      el("pre", { class: "headers", "aria-label": title + " headers" }, headerText(m.header) || "(no header)"),
      el("h4", {}, "Body" + size),
      body
        ? el("pre", { class: "body", "aria-label": title + " body" }, body)
        : el("p", { class: "muted" }, "(no body)"),
    );
  }

  function detailContent(e) {
    const target = e.path + (e.query ? "?" + e.query : "");
    const status = e.status === 0 ? "connection reset (fault " + e.fault + ")" : String(e.status);
    const curl = el("textarea", { class: "curl", readonly: true, hidden: true, "aria-label": "curl command" });
    const note = el("span", { class: "muted", role: "status" });
    const copy = el(
      "button",
      {
        type: "button",
        class: "copy-curl",
        onclick: async () => {
          curl.value = curlOf(e);
          curl.hidden = false;
          curl.focus();
          curl.select();
          try {
            await navigator.clipboard.writeText(curl.value);
            note.textContent = "Copied. Credentials read [redacted]: put yours in.";
          } catch {
            note.textContent = "Selected: press Ctrl+C (or ⌘C) to copy. Credentials read [redacted].";
          }
        },
      },
      "Copy as curl",
    );
    const cut = e.request.body_text && e.request.body_text.includes("[repomock: body cut");
    // Keys the vendor ignores (grpc-gateway ignores a key that is no field
    // of the request): the answer is the vendor's, and a typo still shows.
    const ignored = (e.ignored_query || []).length
      ? el("p", { class: "ignored-query" }, "Query keys the vendor ignores: ", el("code", {}, e.ignored_query.join(", ")))
      : null;
    return el(
      "div",
      {},
      ignored,
      el(
        "div",
        { class: "exchange" },
        messagePanel("Request", e.method + " " + target, e.request),
        messagePanel("Response", status + (e.operation_id ? "  ·  " + e.operation_id : ""), e.response),
      ),
      el(
        "div",
        { class: "actions" },
        copy,
        note,
        cut ? el("span", { class: "error" }, "The journal cut this body: the command sends the part it kept.") : null,
        el("span", { class: "muted", title: "answered in " + e.duration_ms + " ms" }, "id " + e.id + (e.fault ? " · fault " + e.fault : "") + (e.stub ? " · stub " + e.stub : "")),
      ),
      curl,
    );
  }

  function entryGroup(e) {
    const detailID = "detail-" + e.id;
    const expanded = open.has(e.id);
    const toggle = el(
      "button",
      {
        type: "button",
        class: "toggle mono",
        "aria-expanded": String(expanded),
        "aria-controls": detailID,
        "aria-label": "Request " + e.id + " at " + clock(e.time) + " UTC",
        title: e.time,
      },
      clock(e.time),
    );
    const row = el(
      "tr",
      { class: "row" + (expanded ? " open" : "") },
      el("td", { "data-label": "Time" }, toggle),
      el("td", { class: "session" + (e.session === "" ? " session-default" : ""), "data-label": "Session" }, sessionLabel(e.session)),
      el("td", { class: "vendor", "data-label": "Vendor" }, vendorName(e.vendor)),
      el("td", { class: "operation mono", "data-label": "Operation", title: e.method + " " + e.path }, e.operation_id || e.method + " " + e.path),
      el("td", { class: "status status-" + String(e.status)[0], "data-label": "Status" }, e.status === 0 ? "reset" : String(e.status)),
      verdictCell(e),
    );
    const cell = el("td", { colspan: 6 });
    const detail = el("tr", { class: "detail", id: detailID, hidden: !expanded }, cell);
    if (expanded) cell.append(detailContent(e));
    const group = el("tbody", { class: "entry", "data-id": e.id, "data-session": e.session, "data-vendor": e.vendor || "", "data-verdict": e.verdict }, row, detail);
    const flip = () => {
      const now = !open.has(e.id);
      if (now) open.add(e.id);
      else open.delete(e.id);
      if (now && !cell.firstChild) cell.append(detailContent(e));
      detail.hidden = !now;
      row.classList.toggle("open", now);
      toggle.setAttribute("aria-expanded", String(now));
    };
    toggle.addEventListener("click", (ev) => {
      ev.stopPropagation();
      flip();
    });
    row.addEventListener("click", () => {
      if (!window.getSelection().toString()) flip();
    });
    return group;
  }

  function updateCounts(shown) {
    $("#shown").textContent = shown + " of " + entries.length + " requests";
    $("#empty").hidden = entries.length > 0;
  }

  function renderAll() {
    const f = filters();
    for (const g of table.querySelectorAll("tbody.entry")) g.remove();
    const frag = document.createDocumentFragment();
    let shown = 0;
    for (const e of entries) {
      if (!matches(e, f)) continue;
      frag.append(entryGroup(e));
      shown++;
    }
    table.append(frag);
    updateCounts(shown);
  }

  function addEntry(e) {
    entries.unshift(e);
    noteSessions([e.session]);
    if (entries.length > MAX_ENTRIES) {
      const gone = entries.pop();
      open.delete(gone.id);
      const g = table.querySelector('tbody.entry[data-id="' + gone.id + '"]');
      if (g) g.remove();
    }
    if (matches(e, filters())) {
      table.querySelector("thead").after(entryGroup(e));
    }
    updateCounts(table.querySelectorAll("tbody.entry").length);
    afterEntries([e]);
  }

  function setBacklog(list) {
    entries = list.slice(0, MAX_ENTRIES);
    const ids = new Set(entries.map((e) => e.id));
    for (const id of [...open]) if (!ids.has(id)) open.delete(id);
    noteSessions(entries.map((e) => e.session));
    renderAll();
    afterEntries(entries);
  }

  for (const id of ["#f-vendor", "#f-session", "#f-operation", "#f-failed"]) {
    $(id).addEventListener("change", renderAll);
  }
  $("#filters").addEventListener("submit", (ev) => ev.preventDefault());

  function setLive(state, text) {
    const live = $("#live");
    live.dataset.state = state;
    live.textContent = text;
  }

  // stream reads the journal's server-sent events for as long as the page
  // is open, and connects again when the stream ends.
  async function stream() {
    for (;;) {
      try {
        const res = await api("GET", "/__admin/requests/stream");
        if (!res.ok) throw new Error("stream: " + res.status);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let end;
          while ((end = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            onEvent(block);
          }
        }
      } catch (err) {
        console.warn(err);
      }
      setLive("down", "Disconnected: retrying…");
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  function onEvent(block) {
    let event = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length) return;
    const payload = JSON.parse(data.join("\n"));
    if (event === "backlog") {
      setBacklog(payload.entries);
      setLive("live", "Live");
    } else if (event === "entry") {
      addEntry(payload);
    }
  }

  // ---- Tabs.

  const tabs = [...document.querySelectorAll('[role="tab"]')];

  function selectTab(tab, focus) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $("#" + t.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
    const panel = tab.getAttribute("aria-controls");
    history.replaceState(null, "", "#" + panel);
    if (panel === "state") refreshState();
    if (panel === "faults") loadFaults().catch(showFaultError);
  }

  for (const t of tabs) {
    t.addEventListener("click", () => selectTab(t, false));
    t.addEventListener("keydown", (ev) => {
      const i = tabs.indexOf(t);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      selectTab(tabs[(to + tabs.length) % tabs.length], true);
    });
  }
  const visible = (panel) => !$("#" + panel).hidden;

  // ---- State: a session's objects in every vendor.

  async function loadSessions() {
    const { sessions } = await getJSON("/__admin/sessions");
    noteSessions(sessions.map((s) => s.name));
  }

  function compact(o) {
    const s = JSON.stringify(o);
    return s.length > 140 ? s.slice(0, 140) + "…" : s;
  }

  async function loadObjects() {
    const name = $("#s-session").value;
    const { vendors: list } = await getJSON("/__admin/objects?session=" + encodeURIComponent(name));
    const box = $("#objects");
    box.replaceChildren(
      ...list.map((v) =>
        el(
          "section",
          { class: "objects", "data-vendor": v.vendor, "aria-label": v.name },
          el("h3", {}, v.name + ": ", el("span", { class: "count" }, String(v.count)), " " + v.kind),
          v.count > v.objects.length ? el("p", { class: "muted" }, "The first " + v.objects.length + " are shown.") : null,
          v.count === 0 ? el("p", { class: "muted none" }, "None in this session.") : null,
          ...v.objects.map((o) =>
            el("details", { class: "object" }, el("summary", { class: "mono" }, compact(o)), el("pre", {}, JSON.stringify(o, null, 2))),
          ),
        ),
      ),
    );
    $("#s-status").textContent = "Session " + sessionLabel(name) + ", read at " + new Date().toLocaleTimeString();
  }

  function refreshState() {
    loadSessions()
      .then(loadObjects)
      .catch((err) => ($("#s-status").textContent = err.message));
  }

  let stateTimer = null;
  function afterEntries(list) {
    if (visible("state") && list.some((e) => e.session === $("#s-session").value)) {
      clearTimeout(stateTimer);
      stateTimer = setTimeout(refreshState, 300);
    }
    if (visible("faults") && list.some((e) => e.fault)) {
      clearTimeout(faultTimer);
      faultTimer = setTimeout(() => loadFaults().catch(showFaultError), 300);
    }
  }

  $("#s-session").addEventListener("change", () => loadObjects().catch((err) => ($("#s-status").textContent = err.message)));
  $("#s-refresh").addEventListener("click", refreshState);
  $("#s-reset").addEventListener("click", async () => {
    const name = $("#s-session").value;
    const res = await api("POST", "/__admin/reset?session=" + encodeURIComponent(name));
    if (!res.ok) {
      $("#s-status").textContent = "Reset failed: " + (await errorText(res));
      return;
    }
    await loadObjects();
    $("#s-status").textContent = "Session " + sessionLabel(name) + " reset: its objects, journal entries and faults are gone.";
  });
  $("#state-form").addEventListener("submit", (ev) => ev.preventDefault());

  // ---- Faults.

  let faultTimer = null;
  const showFaultError = (err) => ($("#fa-error").textContent = err.message);

  function faultKind(f) {
    switch (f.kind) {
      case "error":
        return "error " + f.status;
      case "delay":
        return "delay " + f.delay_ms + " ms";
      case "throttle":
        return "throttle " + f.per_second + "/s";
      default:
        return f.kind;
    }
  }

  async function loadFaults() {
    const { faults } = await getJSON("/__admin/faults");
    $("#fault-rows").replaceChildren(
      ...faults.map((f) =>
        el(
          "tr",
          { "data-id": f.id },
          el("td", { class: "mono" }, f.id),
          el("td", {}, sessionLabel(f.session)),
          el("td", {}, f.vendor ? vendorName(f.vendor) : "any"),
          el("td", { class: "mono" }, f.operation || "any"),
          el("td", {}, faultKind(f)),
          el("td", {}, f.times ? String(f.times) : "until removed"),
          el("td", { class: "fired" }, String(f.fired)),
          el(
            "td",
            {},
            el("button", { type: "button", class: "remove", "aria-label": "Remove fault " + f.id, onclick: () => removeFault(f.id) }, "Remove"),
          ),
        ),
      ),
    );
    $("#no-faults").hidden = faults.length > 0;
    $("#fa-remove-all").hidden = faults.length === 0;
  }

  async function removeFault(id) {
    const res = await api("DELETE", "/__admin/faults/" + encodeURIComponent(id));
    if (!res.ok && res.status !== 404) showFaultError(new Error(await errorText(res)));
    await loadFaults();
  }

  function showKindFields() {
    const kind = $("#fa-kind").value;
    for (const label of document.querySelectorAll("#fault-form [data-kind]")) {
      label.hidden = label.dataset.kind !== kind;
    }
  }
  $("#fa-kind").addEventListener("change", showKindFields);
  $("#fa-vendor").addEventListener("change", () => fillSelect($("#fa-operation"), operationOptions($("#fa-vendor").value), true));

  $("#fault-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const kind = $("#fa-kind").value;
    const fault = {
      session: $("#fa-session").value.trim(),
      vendor: $("#fa-vendor").value,
      operation: $("#fa-operation").value,
      kind,
      times: Number($("#fa-times").value || 0),
    };
    if (kind === "error") fault.status = Number($("#fa-status").value);
    if (kind === "delay") fault.delay_ms = Number($("#fa-delay").value);
    if (kind === "throttle") fault.per_second = Number($("#fa-per-second").value);
    const res = await api("POST", "/__admin/faults", fault);
    if (!res.ok) {
      $("#fa-error").textContent = await errorText(res);
      return;
    }
    const { id } = await res.json();
    $("#fa-error").textContent = "";
    await loadFaults();
    const row = document.querySelector('#fault-rows tr[data-id="' + id + '"]');
    if (row) row.querySelector("button").focus();
  });
  $("#fa-remove-all").addEventListener("click", async () => {
    await api("DELETE", "/__admin/faults");
    await loadFaults();
  });

  // ---- Start.

  showKindFields();
  const start = tabs.find((t) => "#" + t.getAttribute("aria-controls") === location.hash) || tabs[0];
  loadVendors()
    .catch((err) => setLive("down", err.message))
    .then(() => {
      selectTab(start, false);
      stream();
    });
})();

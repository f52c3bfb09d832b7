// The dashboard: one filter state drives the map, the weekly timeline, the table and the claims.
// It shows incidents (merged across reports, the API's default) or, with view=reports, one row per report.
"use strict";
const state = { filters: {}, sort: "-event_date", page: 1, perPage: 25, types: [], mapEvents: [], outlines: null };
const FILTER_KEYS = ["view", "country", "since", "until", "actor", "admin1", "min_fatalities", "q", "review"];

function filterParams() {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(state.filters)) {
    if (Array.isArray(v)) v.forEach(x => p.append(k, x));
    else if (v !== "" && v !== null && v !== undefined) p.set(k, v);
  }
  return p;
}

function readForm() {
  const f = {};
  for (const k of FILTER_KEYS) {
    const v = document.querySelector(`#filter-form [name="${k}"]`).value.trim();
    if (v && !(k === "review" && v === "unrejected") && !(k === "view" && v === "incidents")) f[k] = v;
  }
  const types = [...document.querySelectorAll('#f-types input:checked')].map(x => x.value);
  if (types.length && types.length < state.types.length) f.event_type = types;
  return f;
}

function writeForm() {
  for (const k of FILTER_KEYS) {
    const input = document.querySelector(`#filter-form [name="${k}"]`);
    input.value = state.filters[k] || ({ review: "unrejected", view: "incidents" }[k] || "");
  }
  const chosen = state.filters.event_type || [];
  document.querySelectorAll('#f-types input').forEach(x => { x.checked = !chosen.length || chosen.includes(x.value); });
}

function syncUrl() {
  const p = filterParams();
  if (state.sort !== "-event_date") p.set("sort", state.sort);
  if (state.page > 1) p.set("page", state.page);
  history.replaceState(null, "", p.toString() ? `/?${p}` : "/");
}

function loadUrl() {
  const p = new URLSearchParams(location.search);
  state.filters = {};
  for (const k of FILTER_KEYS) if (p.get(k)) state.filters[k] = p.get(k);
  if (p.getAll("event_type").length) state.filters.event_type = p.getAll("event_type");
  state.sort = p.get("sort") || "-event_date";
  state.page = parseInt(p.get("page") || "1", 10) || 1;
}

async function refresh() {
  document.body.dataset.state = "loading";
  document.getElementById("error").textContent = "";
  syncUrl();
  try {
    await Promise.all([loadTable(), loadMap(), loadTimeline(), loadClaims()]);
    document.body.dataset.state = "ready";
  } catch (e) {
    document.getElementById("error").textContent = e.message;
    document.body.dataset.state = "error";
  }
}

// ------------------------------------------------------------------ table
function reportsView() { return state.filters.view === "reports"; }

function deaths(e) {  // an incident's best estimate, with the spread its reports give
  const lo = e.fatalities_low, hi = e.fatalities_high;
  return lo !== null && lo !== undefined && hi !== null && hi !== undefined && (lo !== e.fatalities || hi !== e.fatalities)
    ? `${e.fatalities} (${lo}–${hi})` : String(e.fatalities);
}

function sourcesCell(e) {
  if (e.number_of_sources === undefined) return "";
  const outlets = (e.outlets || []).join(", ");
  return el("span", { title: outlets || (e.sources || []).join(", ") }, String(e.number_of_sources));
}

async function loadTable() {
  if (reportsView() && state.sort.replace(/^-/, "") === "number_of_sources") state.sort = "-event_date";
  const p = filterParams();
  p.set("sort", state.sort); p.set("page", state.page); p.set("per_page", state.perPage);
  const data = await getJSON(`/api/events?${p}`);
  const tbody = document.querySelector("#events tbody");
  tbody.replaceChildren(...data.items.map(e => el("tr", { "data-id": e.event_id, onclick: () => openEvent(e.event_id) },
    el("td", {}, e.event_date || ""), el("td", {}, e.country || ""), el("td", {}, e.admin1 || ""),
    el("td", {}, e.location || ""),
    el("td", {}, el("span", { class: "type-dot", style: `background:${colourOf(e.event_type)}` }), e.event_type),
    el("td", {}, e.sub_event_type), el("td", {}, e.actor1 || ""), el("td", {}, e.actor2 || ""),
    el("td", { class: "num" }, deaths(e)), el("td", { class: "num" }, sourcesCell(e)), el("td", {}, e.review_status || ""))));
  if (!data.items.length) tbody.append(el("tr", {}, el("td", { colspan: 11, class: "muted" }, "No events match these filters.")));
  document.getElementById("table-title").textContent = reportsView() ? "Reports" : "Incidents";
  const pages = Math.max(1, Math.ceil((data.total || 0) / state.perPage));
  document.getElementById("total").textContent = `${(data.total || 0).toLocaleString()} events` +
    (reportsView() ? " (one row per report)" : " (incidents, each merged across its reports)");
  document.getElementById("pageno").textContent = `page ${state.page} of ${pages}`;
  document.getElementById("prev").disabled = state.page <= 1;
  document.getElementById("next").disabled = state.page >= pages;
  document.querySelectorAll("#events th[data-sort]").forEach(th => {
    th.classList.remove("sorted-asc", "sorted-desc");
    const key = state.sort.replace(/^-/, "");
    if (th.dataset.sort === key) th.classList.add(state.sort.startsWith("-") ? "sorted-desc" : "sorted-asc");
  });
}

function openEvent(id) { location.href = `/events/${encodeURIComponent(id)}?back=${encodeURIComponent(location.search)}`; }

// ------------------------------------------------------------------ map (canvas, equirectangular, no tiles)
const MAP_LIMIT = 500;
const view = { cx: 20, cy: 20, scale: 2.5 };
let drawn = [];  // what is on screen: {x, y, r, events}

async function loadMap() {
  const p = filterParams();
  p.set("per_page", MAP_LIMIT); p.set("count", "false");
  const data = await getJSON(`/api/events?${p}`);
  state.mapEvents = data.items.filter(e => e.latitude !== null && e.longitude !== null);
  document.getElementById("map-note").textContent =
    data.items.length >= MAP_LIMIT ? `latest ${MAP_LIMIT} events shown` : `${state.mapEvents.length} located events`;
  fitMap();
}

function project(lon, lat, c) {
  return [(lon - view.cx) * view.scale + c.width / 2, (view.cy - lat) * view.scale + c.height / 2];
}

function fitMap() {
  const c = document.getElementById("map");
  const ev = state.mapEvents;
  if (!ev.length) { view.cx = 20; view.cy = 20; view.scale = c.width / 360; drawMap(); return; }
  let w = 180, e = -180, s = 90, n = -90;
  for (const x of ev) { w = Math.min(w, x.longitude); e = Math.max(e, x.longitude); s = Math.min(s, x.latitude); n = Math.max(n, x.latitude); }
  const pad = 4;
  w -= pad; e += pad; s -= pad; n += pad;
  view.cx = (w + e) / 2; view.cy = (s + n) / 2;
  view.scale = Math.min(c.width / (e - w), c.height / (n - s), 60);
  drawMap();
}

function drawMap() {
  const c = document.getElementById("map");
  const ctx = c.getContext("2d");
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.fillStyle = "#dbe8f4"; ctx.fillRect(0, 0, c.width, c.height);
  if (state.outlines) {
    ctx.fillStyle = "#f7f5ef"; ctx.strokeStyle = "#a9a9a0"; ctx.lineWidth = 0.7;
    for (const f of state.outlines.features) {
      const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
      ctx.beginPath();
      for (const poly of polys) for (const ring of poly) {
        ring.forEach(([lon, lat], i) => { const [x, y] = project(lon, lat, c); i ? ctx.lineTo(x, y) : ctx.moveTo(x, y); });
        ctx.closePath();
      }
      ctx.fill("evenodd"); ctx.stroke();
    }
  }
  // cluster in screen space: one cell of 34 px holding more than one event becomes a cluster
  const cell = 34, cells = new Map();
  for (const e of state.mapEvents) {
    const [x, y] = project(e.longitude, e.latitude, c);
    if (x < -20 || y < -20 || x > c.width + 20 || y > c.height + 20) continue;
    const key = `${Math.floor(x / cell)}:${Math.floor(y / cell)}`;
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key).push({ e, x, y });
  }
  drawn = [];
  for (const group of cells.values()) {
    if (group.length === 1) {
      const { e, x, y } = group[0];
      const r = Math.min(18, 3 + 2 * Math.sqrt(e.fatalities || 0));
      ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fillStyle = colourOf(e.event_type) + "cc"; ctx.fill();
      ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
      drawn.push({ x, y, r, events: [e] });
    } else {
      const x = group.reduce((a, g) => a + g.x, 0) / group.length, y = group.reduce((a, g) => a + g.y, 0) / group.length;
      const counts = {};
      group.forEach(g => { counts[g.e.event_type] = (counts[g.e.event_type] || 0) + 1; });
      const r = Math.min(26, 9 + 3 * Math.log2(group.length));
      let start = -Math.PI / 2;
      for (const [type, k] of Object.entries(counts)) {  // a pie of the types in the cluster
        const end = start + 2 * Math.PI * k / group.length;
        ctx.beginPath(); ctx.moveTo(x, y); ctx.arc(x, y, r, start, end); ctx.closePath();
        ctx.fillStyle = colourOf(type) + "dd"; ctx.fill(); start = end;
      }
      ctx.beginPath(); ctx.arc(x, y, r * 0.6, 0, 2 * Math.PI); ctx.fillStyle = "#fff"; ctx.fill();
      ctx.fillStyle = "#222"; ctx.font = "bold 11px system-ui"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText(String(group.length), x, y);
      drawn.push({ x, y, r, events: group.map(g => g.e) });
    }
  }
}

function hit(evt) {
  const c = document.getElementById("map");
  const rect = c.getBoundingClientRect();
  const x = (evt.clientX - rect.left) * c.width / rect.width, y = (evt.clientY - rect.top) * c.height / rect.height;
  return drawn.find(d => (d.x - x) ** 2 + (d.y - y) ** 2 <= (d.r + 2) ** 2);
}

function setupMap() {
  const c = document.getElementById("map");
  const tip = document.getElementById("tooltip");
  let drag = null, moved = false;
  c.addEventListener("mousedown", e => { drag = { x: e.clientX, y: e.clientY, cx: view.cx, cy: view.cy }; moved = false; });
  window.addEventListener("mouseup", () => { drag = null; });
  c.addEventListener("mousemove", e => {
    if (drag) {
      const k = c.width / c.getBoundingClientRect().width;
      view.cx = drag.cx - (e.clientX - drag.x) * k / view.scale; view.cy = drag.cy + (e.clientY - drag.y) * k / view.scale;
      moved = moved || Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3;
      drawMap(); return;
    }
    const d = hit(e);
    if (!d) { tip.hidden = true; return; }
    const ev = d.events[0];
    tip.textContent = d.events.length > 1 ? `${d.events.length} events — click to zoom in`
      : `${ev.event_date || "?"} · ${ev.sub_event_type} · ${ev.location || ""}, ${ev.country || ""} · ${deaths(ev)} killed` +
        (ev.number_of_sources !== undefined ? ` · ${ev.number_of_sources} source${ev.number_of_sources === 1 ? "" : "s"}` : "");
    const rect = c.parentElement.getBoundingClientRect();
    tip.style.left = `${e.clientX - rect.left + 12}px`; tip.style.top = `${e.clientY - rect.top + 12}px`; tip.hidden = false;
  });
  c.addEventListener("click", e => {
    if (moved) return;
    const d = hit(e);
    if (!d) return;
    if (d.events.length === 1) { openEvent(d.events[0].event_id); return; }
    view.cx = d.events.reduce((a, x) => a + x.longitude, 0) / d.events.length;
    view.cy = d.events.reduce((a, x) => a + x.latitude, 0) / d.events.length;
    view.scale *= 2.5; drawMap();
  });
  c.addEventListener("wheel", e => { e.preventDefault(); view.scale *= e.deltaY < 0 ? 1.25 : 0.8; drawMap(); }, { passive: false });
  document.getElementById("zoom-in").onclick = () => { view.scale *= 1.5; drawMap(); };
  document.getElementById("zoom-out").onclick = () => { view.scale /= 1.5; drawMap(); };
  document.getElementById("zoom-fit").onclick = fitMap;
  const legend = document.getElementById("legend");
  legend.replaceChildren(...Object.entries(TYPE_COLOURS).map(([t, col]) =>
    el("span", {}, el("i", { class: "swatch", style: `background:${col}` }), t)),
    el("span", { class: "muted" }, "size: fatalities · rings: clusters"));
}

// ------------------------------------------------------------------ weekly timeline (SVG, stacked by type)
async function loadTimeline() {
  const p = filterParams();
  p.set("interval", "week"); p.set("by", "event_type");
  const data = await getJSON(`/api/stats?${p}`);
  const svg = document.getElementById("timeline");
  const NS = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  const weeks = [...new Set(data.rows.map(r => r.period))].sort();
  const byWeek = new Map(weeks.map(w => [w, {}]));
  data.rows.forEach(r => { byWeek.get(r.period)[r.key] = r.events; });
  const totals = weeks.map(w => Object.values(byWeek.get(w)).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const W = 1000, H = 180, top = 10, bottom = 22;
  const bw = weeks.length ? W / weeks.length : W;
  document.getElementById("timeline-note").textContent = weeks.length
    ? `${weeks[0]} – ${weeks[weeks.length - 1]} · peak ${max} events in a week` : "no dated events";
  const mk = (tag, attrs, text) => { const n = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text) n.textContent = text; return n; };
  let lastLabel = -999;
  weeks.forEach((w, i) => {
    let y = H - bottom;
    for (const type of Object.keys(TYPE_COLOURS)) {
      const k = byWeek.get(w)[type] || 0;
      if (!k) continue;
      const h = (H - top - bottom) * k / max;
      y -= h;
      const rect = mk("rect", { x: i * bw + 0.5, y, width: Math.max(1, bw - 1), height: h, fill: colourOf(type), class: "bar" });
      rect.append(mk("title", {}, `week of ${w}: ${k} ${type}`));
      svg.append(rect);
    }
    if (i * bw - lastLabel > 90) {
      svg.append(mk("text", { x: i * bw, y: H - 6, "font-size": 11, fill: "#555" }, w));
      lastLabel = i * bw;
    }
  });
  svg.append(mk("line", { x1: 0, x2: W, y1: H - bottom, y2: H - bottom, stroke: "#999" }));
}

// ------------------------------------------------------------------ claims
async function loadClaims() {
  const data = await getJSON(`/api/claims?per_page=50`);
  const ul = document.getElementById("claims");
  ul.replaceChildren(...data.items.map(c => el("li", {},
    el("span", { class: "kind" }, c.kind), c.what,
    c.value !== null ? ` — ${c.qualifier && c.qualifier !== "exact" ? c.qualifier + " " : ""}${c.value}` : "",
    c.where && c.where.length ? el("div", { class: "muted" }, c.where.join(", ")) : null,
    c.evidence && c.evidence.length ? el("div", { class: "muted" }, `“${c.evidence[0].text}”`) : null)));
  if (!data.items.length) ul.append(el("li", { class: "muted" }, "No claims stored."));
}

// ------------------------------------------------------------------ set-up
async function main() {
  loadUrl();
  setupMap();
  const [facets, meta] = await Promise.all([getJSON("/api/facets"), getJSON("/api/meta")]);
  const c = meta.counts;
  document.getElementById("summary").textContent =
    `${(c.incidents ?? 0).toLocaleString()} incidents from ${c.events.toLocaleString()} reported events in ` +
    `${c.documents.toLocaleString()} documents · ${c.claims.toLocaleString()} claims` +
    (c.unmerged ? ` · ${c.unmerged.toLocaleString()} reports not merged yet (warlog merge)` : "");
  const sel = document.getElementById("f-country");
  facets.countries.forEach(c => sel.append(el("option", { value: c }, c)));
  state.types = facets.event_types;
  document.getElementById("f-types").append(...facets.event_types.map(t => el("label", {},
    el("input", { type: "checkbox", value: t, checked: true }), el("i", { class: "swatch", style: `background:${colourOf(t)}` }), t)));
  writeForm();
  document.getElementById("filter-form").addEventListener("submit", e => {
    e.preventDefault(); state.filters = readForm(); state.page = 1; refresh();
  });
  document.getElementById("reset").onclick = () => { state.filters = {}; state.page = 1; writeForm(); refresh(); };
  document.getElementById("prev").onclick = () => { state.page = Math.max(1, state.page - 1); loadTable().then(syncUrl); };
  document.getElementById("next").onclick = () => { state.page += 1; loadTable().then(syncUrl); };
  document.querySelectorAll("#events th[data-sort]").forEach(th => th.addEventListener("click", () => {
    const key = th.dataset.sort;
    state.sort = state.sort === `-${key}` ? key : `-${key}`; state.page = 1; loadTable().then(syncUrl);
  }));
  state.outlines = await getJSON("/static/countries.geojson").catch(() => null);
  await refresh();
}
main().catch(e => { document.getElementById("error").textContent = e.message; document.body.dataset.state = "error"; });

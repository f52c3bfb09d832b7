// One event -- an incident merged across its reports, or one report's event: its fields, every
// source text with the evidence highlighted, the field history, analysts' values, review and audit log.
"use strict";
const eventId = decodeURIComponent(location.pathname.split("/").pop());
let EDITABLE = ["event_date", "time_precision", "event_type", "sub_event_type", "disorder_type", "actor1", "assoc_actor_1",
  "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "country", "iso3", "admin1", "admin2",
  "location", "latitude", "longitude", "geo_precision", "fatalities", "fatalities_low", "fatalities_high",
  "fatalities_qualifier", "injured", "captured", "reported_by"];
const NUMERIC = new Set(["time_precision", "inter1", "inter2", "latitude", "longitude", "geo_precision", "fatalities",
  "fatalities_low", "fatalities_high", "injured", "captured"]);

function highlighted(text, spans) {
  // the document text as text nodes, evidence spans wrapped in <mark>; overlapping spans merged
  const sorted = spans.filter(s => s.start >= 0 && s.end <= text.length && s.start < s.end)
    .sort((a, b) => a.start - b.start);
  const merged = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end); else merged.push({ start: s.start, end: s.end });
  }
  const out = el("div", { class: "text" });
  let at = 0;
  for (const s of merged) {
    out.append(text.slice(at, s.start), el("mark", { class: "evidence" }, text.slice(s.start, s.end)));
    at = s.end;
  }
  out.append(text.slice(at));
  return out;
}

function said(r) {  // what one report said, in a line
  if (!r) return "";
  const toll = r.fatalities_qualifier && r.fatalities_qualifier !== "exact" ? `${r.fatalities_qualifier} ${r.fatalities}` : r.fatalities;
  return [r.event_date || "undated", r.location, r.sub_event_type, [r.actor1, r.actor2].filter(Boolean).join(" v "),
    `${toll} killed`].filter(Boolean).join(" · ");
}

function link(href, text) { return el("a", { href }, text); }

function show(d) {
  const e = d.event;
  const incident = d.kind === "incident";
  if ((d.editable || []).length) fillEditable(d.editable);
  document.title = `warlog · ${e.sub_event_type} · ${e.location || e.country || e.event_id}`;
  document.getElementById("title").textContent = `${incident ? "Incident" : "Report"}: ${e.sub_event_type} — ${e.location || "?"}, ${e.country || "?"} (${e.event_date || "undated"})`;
  const status = e.review_status || "unreviewed";
  const n = e.number_of_sources;
  document.getElementById("status-line").replaceChildren(
    el("span", { class: `status ${status}`, id: "review-status" }, status), " ",
    el("span", { class: "muted" }, `${e.event_id} · confidence ${e.confidence}`),
    incident ? el("span", { class: "muted", id: "sources-line" },
      ` · ${n} source${n === 1 ? "" : "s"}, first reported ${e.first_reported || "?"}, latest ${e.latest_reported || "?"}`) : "",
    !incident && d.merged_id ? el("span", { class: "muted" }, " · one report of ", link(`/events/${encodeURIComponent(d.merged_id)}`, "this incident")) : "",
    (e.edited_fields || []).length ? el("span", { class: "muted" }, ` · edited: ${e.edited_fields.join(", ")}`) : "");
  const edited = new Set(e.edited_fields || []);
  const info = incident ? ["number_of_sources", "first_reported", "latest_reported", "outlets", "sources"] : ["doc_id", "coded_by"];
  const shown = v => v === null || v === undefined ? "" : Array.isArray(v) ? v.join(", ") : v;
  document.querySelector("#fields tbody").replaceChildren(...EDITABLE.concat(info).map(k =>
    el("tr", { "data-field": k }, el("th", {}, k),
      el("td", { class: edited.has(k) ? "edited" : null, id: `field-${k}` }, shown(e[k])))));
  const sources = document.getElementById("sources");
  sources.replaceChildren(...d.sources.map(s => el("div", { class: "doc", "data-doc": s.document.id },
    el("h3", {}, s.document.title || s.document.id),
    el("div", { class: "muted" }, [s.document.source, s.document.published, s.document.url, s.document.origin].filter(Boolean).join(" · ")),
    s.report ? el("div", { class: "said" }, "This report: ", said(s.report), " · ",
      s.event_id && s.event_id !== e.event_id ? link(`/events/${encodeURIComponent(s.event_id)}`, "its event") : "this event") : null,
    s.report && (s.report.coded_by || []).length ? el("div", { class: "coded-by muted" }, "Coded by the rules: ",
      ...s.report.coded_by.map(r => el("code", { class: "rule" }, r))) : null,
    highlighted(s.document.text, s.evidence))));
  if (!d.sources.length) sources.append(el("p", { class: "muted" }, "The source document is not stored."));
  document.querySelector("#history tbody").replaceChildren(...d.history.map(h => el("tr", {},
    el("td", {}, (h.at || "").replace("T", " ").slice(0, 19)), el("td", {}, h.who), el("td", {}, h.action),
    el("td", {}, h.field || ""), el("td", {}, JSON.stringify(h.old)), el("td", {}, JSON.stringify(h.new)), el("td", {}, h.note || ""))));
  if (!d.history.length) document.querySelector("#history tbody").append(el("tr", {}, el("td", { colspan: 7, class: "muted" }, "No analyst has touched this event.")));
  const ov = document.querySelector("#overrides tbody");
  ov.replaceChildren(...(d.overrides || []).map(o => el("tr", { "data-field": o.field }, el("td", {}, o.field),
    el("td", {}, JSON.stringify(o.value)), el("td", {}, JSON.stringify(o.machine_value)), el("td", {}, o.by),
    el("td", {}, (o.at || "").replace("T", " ").slice(0, 19)))));
  if (!(d.overrides || []).length) ov.append(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "None: every value is the machine's.")));
  const fh = document.querySelector("#field-history tbody");
  fh.replaceChildren(...(d.field_history || []).map(r => el("tr", {}, el("td", {}, r.field), el("td", {}, JSON.stringify(r.value)),
    el("td", {}, r.doc_id || ""), el("td", {}, r.reported || ""), el("td", {}, (r.recorded_at || "").replace("T", " ").slice(0, 19)))));
  if (!(d.field_history || []).length) fh.append(el("tr", {}, el("td", { colspan: 5, class: "muted" },
    incident ? "One report so far: no field has changed." : "A report's own values have no history.")));
  document.body.dataset.state = "ready";
}

async function load() {
  document.body.dataset.state = "loading";
  show(await getJSON(`/api/events/${encodeURIComponent(eventId)}`));
}

function token() { return document.getElementById("token").value.trim(); }

async function write(method, url, body) {
  const msg = document.getElementById("review-msg");
  msg.className = ""; msg.textContent = "saving…";
  try {
    await getJSON(url, { method, headers: { "Content-Type": "application/json", "Authorization": `Bearer ${token()}` },
      body: JSON.stringify(body) });
    localStorage.setItem("warlog-token", token());
    msg.textContent = "saved";
    await load();
  } catch (e) {
    msg.className = "error"; msg.textContent = e.message;
  }
}

function fillEditable(fields) {  // the fields this kind of event lets an analyst edit
  const sel = document.getElementById("edit-field");
  if (sel.options.length && sel.dataset.fields === fields.join(",")) return;
  const chosen = sel.value || "fatalities";
  EDITABLE = fields;
  sel.replaceChildren(...fields.map(f => el("option", { value: f }, f)));
  sel.dataset.fields = fields.join(",");
  sel.value = fields.includes(chosen) ? chosen : fields[0];
}

function setup() {
  const back = new URLSearchParams(location.search).get("back");
  if (back) document.getElementById("back").href = `/${back}`;
  document.getElementById("token").value = localStorage.getItem("warlog-token") || "";
  fillEditable(EDITABLE);
  for (const action of ["accept", "reject", "reopen"]) {
    document.getElementById(action).onclick = () => write("POST", `/api/events/${encodeURIComponent(eventId)}/review`, { action });
  }
  document.getElementById("edit-form").addEventListener("submit", ev => {
    ev.preventDefault();
    const field = document.getElementById("edit-field").value;
    let value = document.getElementById("edit-value").value.trim();
    if (value === "") value = null; else if (NUMERIC.has(field) && !Number.isNaN(Number(value))) value = Number(value);
    const note = document.getElementById("edit-note").value.trim() || null;
    write("PATCH", `/api/events/${encodeURIComponent(eventId)}`, { changes: { [field]: value }, note });
  });
}

setup();
load().catch(e => { document.getElementById("title").textContent = e.message; document.body.dataset.state = "error"; });

// Shared helpers: colours by event type, safe element building, JSON fetch with clear errors.
"use strict";
const TYPE_COLOURS = {
  "Battles": "#d62728",
  "Violence against civilians": "#9467bd",
  "Explosions/Remote violence": "#ff7f0e",
  "Protests": "#2ca02c",
  "Riots": "#8c564b",
  "Strategic developments": "#1f77b4",
};
function colourOf(type) { return TYPE_COLOURS[type] || "#666"; }

// el("td", {class: "x"}, "text", child...) — text always goes in as text, never as HTML
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function getJSON(url, options) {
  const res = await fetch(url, options);
  let body = null;
  try { body = await res.json(); } catch (e) { body = null; }
  if (!res.ok) {
    const msg = body && body.detail ? body.detail : `${res.status} ${res.statusText}`;
    throw new Error(msg);
  }
  return body;
}

#include "agent/status/status_page.h"

namespace agent::status {

std::string_view StatusPageHtml() {
  static constexpr std::string_view kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fleet-agent status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: 12px 20px; display: flex; gap: 24px;
           align-items: baseline; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0; }
  header span { opacity: .85; }
  main { padding: 16px 20px; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e3e6eb; vertical-align: top; }
  th { background: #eceef2; font-weight: 600; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: #fff; }
  .ok { background: #1f8a4c; } .error { background: #c62828; } .unknown { background: #8a8f98; }
  .err { color: #c62828; max-width: 40em; overflow-wrap: anywhere; }
  .num { font-variant-numeric: tabular-nums; white-space: nowrap; }
  .muted { color: #8a8f98; }
  section { margin-top: 16px; }
  #config { background: #fff; padding: 10px 14px; margin-bottom: 16px; }
  #live pre { background: #111; color: #d8f5d0; padding: 10px; max-height: 24em; overflow: auto;
              white-space: pre-wrap; word-break: break-all; }
  button { cursor: pointer; }
  #problem { color: #c62828; }
</style>
</head>
<body>
<header>
  <h1>fleet-agent</h1>
  <span id="instance"></span><span id="version"></span><span id="uptime"></span>
  <span id="overall"></span>
</header>
<main>
  <div id="problem"></div>
  <div id="config"></div>
  <table id="components">
    <thead><tr><th>component</th><th>kind</th><th>health</th><th>last success</th>
      <th>last error</th><th>counters (rate/s)</th><th>values</th><th></th></tr></thead>
    <tbody></tbody>
  </table>
  <section id="live" hidden>
    <h2>live: <span id="live-name"></span> <button id="live-close">close</button></h2>
    <pre id="live-lines"></pre>
  </section>
</main>
<script>
"use strict";
const REFRESH_MS = 5000;
let liveComponent = null;

function text(tag, content, cls) {
  const el = document.createElement(tag);
  el.textContent = content;
  if (cls) el.className = cls;
  return el;
}
function ago(iso) {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? s + "s ago" : s < 7200 ? Math.round(s / 60) + "m ago" : Math.round(s / 3600) + "h ago";
}
function num(v) {
  if (Number.isInteger(v)) return v.toLocaleString("en");
  return Math.abs(v) < 10 ? v.toPrecision(3) : v.toFixed(1);
}
function render(st) {
  document.getElementById("instance").textContent = "instance " + st.instance;
  document.getElementById("version").textContent = "version " + st.version;
  document.getElementById("uptime").textContent = "up " + Math.round(st.uptimeSeconds) + "s";
  const overall = document.getElementById("overall");
  overall.replaceChildren(text("span", st.healthy ? "healthy" : "unhealthy",
                               "badge " + (st.healthy ? "ok" : "error")));
  const c = st.config;
  const cfg = document.getElementById("config");
  cfg.replaceChildren(text("b", "config "), text("span", (c.file || "(defaults)") +
      "  revision " + (c.revision || "(none)") + "  sha256 " + c.sha256.slice(0, 12) +
      "  loaded " + ago(c.loadedAt) + "  reloads ok " + c.reloads.success + ", failed " + c.reloads.failure));
  if (c.lastReload && !c.lastReload.successful) {
    cfg.appendChild(text("div", "last reload (" + c.lastReload.trigger + ", " + ago(c.lastReload.time) +
                         ") refused: " + c.lastReload.error, "err"));
  }
  const body = document.querySelector("#components tbody");
  const rows = [];
  for (const comp of st.components) {
    const tr = document.createElement("tr");
    tr.dataset.component = comp.name;
    tr.dataset.health = comp.health;
    tr.appendChild(text("td", comp.name));
    tr.appendChild(text("td", comp.kind));
    const h = document.createElement("td");
    h.appendChild(text("span", comp.health, "badge " + comp.health));
    tr.appendChild(h);
    tr.appendChild(text("td", ago(comp.lastSuccessTime)));
    const e = text("td", comp.lastError ? ago(comp.lastErrorTime) + ": " + comp.lastError : "", "err");
    tr.appendChild(e);
    const counters = Object.keys(comp.counters).map(k =>
        k + " " + num(comp.counters[k]) + " (" + num(comp.rates[k] || 0) + "/s)");
    tr.appendChild(text("td", counters.join("\n") || "-", "num"));
    tr.lastChild.style.whiteSpace = "pre";
    const values = Object.keys(comp.values).map(k => k + " " + num(comp.values[k]));
    tr.appendChild(text("td", values.join("\n") || "-", "num"));
    tr.lastChild.style.whiteSpace = "pre";
    const act = document.createElement("td");
    if (st.liveView) {
      const b = text("button", "live");
      b.onclick = () => { liveComponent = comp.name; pollLive(); };
      act.appendChild(b);
    }
    tr.appendChild(act);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}
async function refresh() {
  try {
    const resp = await fetch("api/v1/status", {cache: "no-store"});
    if (!resp.ok) throw new Error("HTTP " + resp.status);
    render(await resp.json());
    document.getElementById("problem").textContent = "";
  } catch (err) {
    document.getElementById("problem").textContent = "cannot reach the agent: " + err.message;
  }
}
async function pollLive() {
  const section = document.getElementById("live");
  if (!liveComponent) { section.hidden = true; return; }
  section.hidden = false;
  document.getElementById("live-name").textContent = liveComponent;
  try {
    const resp = await fetch("api/v1/live?component=" + encodeURIComponent(liveComponent), {cache: "no-store"});
    const body = await resp.json();
    const lines = (body.entries || []).map(e => e.time + "  " + e.text);
    document.getElementById("live-lines").textContent =
        resp.ok ? (lines.join("\n") || "(nothing yet: entries appear as data passes)") : body.error;
  } catch (err) {
    document.getElementById("live-lines").textContent = "error: " + err.message;
  }
}
document.getElementById("live-close").onclick = () => { liveComponent = null; pollLive(); };
refresh();
setInterval(refresh, REFRESH_MS);
setInterval(pollLive, 2000);
</script>
</body>
</html>
)html";
  return kPage;
}

}  // namespace agent::status

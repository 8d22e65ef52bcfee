/// `GET /` on the admin listener: the dashboard (SPEC §8), one self-contained HTML page compiled into the binary.
///
/// Plain HTML, CSS and JavaScript with inline SVG: no file is read at run time and nothing is fetched but `/stats`
/// on the same origin (the `Content-Security-Policy` sent with it forbids anything else). It reads `/stats` every
/// second and keeps the last 5 minutes in the browser: requests per second by status class, p50 and p99 latency
/// (`latency_ms`, over the whole run), refusals per second and requests in flight, and the targets, the top limited
/// identities and the normaliser's shapes of the latest read. When `/stats` answers 401 (`admin.token` set) the page
/// asks for the token and sends it as `Authorization: Bearer`, kept in the page's memory only, never in a URL.
enum DashboardPage {
    /// The answer to `GET /`, built once.
    static let response = AdminResponse(
        status: 200, contentType: "text/html; charset=utf-8", body: Array(html.utf8),
        extraHeaders: "Content-Security-Policy: default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n")

    static let html = #"""
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sluice</title>
<link rel="icon" href="data:,">
<style>
  :root { --fg: #1d2430; --muted: #667085; --line: #d0d5dd; --panel: #ffffff; --bg: #f2f4f7; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 24px; padding: 12px 20px; background: #1d2430; color: #fff; }
  header h1 { margin: 0; font-size: 18px; }
  header .figure { color: #d0d5dd; }
  header .figure b { color: #fff; font-variant-numeric: tabular-nums; }
  #status { margin-left: auto; color: #98a2b3; }
  #status.error { color: #fda29b; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; padding: 16px 20px; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
  h2 { margin: 0 0 8px; font-size: 14px; font-weight: 600; }
  .legend { display: flex; flex-wrap: wrap; gap: 4px 12px; color: var(--muted); font-size: 12px; }
  .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; vertical-align: -1px; }
  svg.chart { width: 100%; height: 150px; display: block; }
  svg.chart text { font-size: 10px; fill: var(--muted); }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eaecf0; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; }
  td.num, th.num { text-align: right; }
  .empty { color: var(--muted); }
  .ok { color: #067647; } .bad { color: #b42318; } .warn { color: #b54708; }
  #token-form { margin: 40px auto; max-width: 420px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 16px; }
  #token-form input { width: 100%; padding: 6px 8px; margin: 8px 0; font: inherit; }
  #token-form button { padding: 6px 14px; font: inherit; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<header>
  <h1>sluice</h1>
  <span class="figure">requests <b id="total-requests">–</b></span>
  <span class="figure">in flight <b id="in-flight">–</b></span>
  <span class="figure">limited <b id="total-limited">–</b></span>
  <span class="figure">store <b id="store">–</b></span>
  <span class="figure">tracked keys <b id="tracked-keys">–</b></span>
  <span class="figure">up <b id="uptime">–</b></span>
  <span id="status">connecting…</span>
</header>
<form id="token-form" hidden>
  <label for="token-input"><b>Admin token</b> — this admin listener needs <code>admin.token</code> (sent as a Bearer header, kept in this page only).</label>
  <input id="token-input" type="password" autocomplete="off" spellcheck="false">
  <button type="submit">Show figures</button>
  <div id="token-error" class="bad" hidden>That token was refused.</div>
</form>
<main id="board">
  <section><h2>Requests per second by status class</h2><div class="legend" id="legend-rates"></div><svg class="chart" id="chart-rates"></svg></section>
  <section><h2>Latency (ms, since start)</h2><div class="legend" id="legend-latency"></div><svg class="chart" id="chart-latency"></svg></section>
  <section><h2>Limited per second</h2><div class="legend" id="legend-limited"></div><svg class="chart" id="chart-limited"></svg></section>
  <section><h2>In flight</h2><div class="legend" id="legend-inflight"></div><svg class="chart" id="chart-inflight"></svg></section>
  <section><h2>Targets</h2>
    <table id="targets"><thead><tr><th>target</th><th>health</th><th>circuit</th><th class="num">requests</th><th class="num">failures</th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Top limited identities</h2>
    <table id="top-limited"><thead><tr><th>identity</th><th class="num">limited</th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Rewritten upstream errors by shape</h2>
    <table id="shapes"><thead><tr><th>shape</th><th class="num">rewritten</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
"use strict";
const WINDOW_SECONDS = 300;
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];
const COLORS = { "1xx": "#98a2b3", "2xx": "#12b76a", "3xx": "#2e90fa", "4xx": "#f79009", "5xx": "#f04438",
                 p50: "#2e90fa", p99: "#7a5af8", limited: "#f04438", in_flight: "#0ba5ec" };
let token = null;
let samples = [];   // { t: uptime seconds, rates: {...}, p50, p99, limitedRate, inFlight }
let previous = null;

const $ = (id) => document.getElementById(id);

function setText(id, value) { $(id).textContent = String(value); }

function duration(seconds) {
  const s = Math.floor(seconds), d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return d > 0 ? d + "d " + h + "h" : h > 0 ? h + "h " + m + "m" : m > 0 ? m + "m " + (s % 60) + "s" : s + "s";
}

function row(tbody, cells) {
  const tr = document.createElement("tr");
  for (const [text, className] of cells) {
    const td = document.createElement("td");
    td.textContent = String(text);
    if (className) td.className = className;
    tr.appendChild(td);
  }
  tbody.appendChild(tr);
  return tr;
}

function fillTable(id, rows, emptyText, columns) {
  const tbody = $(id).tBodies[0];
  tbody.replaceChildren();
  if (rows.length === 0) {
    const td = row(tbody, [[emptyText, "empty"]]).firstChild;
    td.colSpan = columns;
  }
  return tbody;
}

function legend(id, names) {
  $(id).replaceChildren(...names.map((name) => {
    const span = document.createElement("span"), swatch = document.createElement("i");
    swatch.style.background = COLORS[name];
    span.append(swatch, name);
    return span;
  }));
}

const SVG = "http://www.w3.org/2000/svg";
function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

/// Draws `series` ([name, sample => value]) over the last 5 minutes of samples.
function chart(id, series) {
  const svg = $(id), width = Math.max(svg.clientWidth, 300), height = 150, left = 44, bottom = 16, top = 6;
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  const now = samples.length ? samples[samples.length - 1].t : 0;
  let highest = 0;
  for (const sample of samples) for (const [, value] of series) highest = Math.max(highest, value(sample) || 0);
  const yMax = niceMax(highest), plotWidth = width - left - 4, plotHeight = height - top - bottom;
  const x = (t) => left + plotWidth * (1 - (now - t) / WINDOW_SECONDS);
  const y = (v) => top + plotHeight * (1 - v / yMax);
  const parts = [];
  for (const fraction of [0, 0.5, 1]) {
    parts.push(svgElement("line", { x1: left, x2: width - 4, y1: y(yMax * fraction), y2: y(yMax * fraction), stroke: "#eaecf0" }));
    parts.push(svgElement("text", { x: left - 4, y: y(yMax * fraction) + 3, "text-anchor": "end" },
                          String(Math.round(yMax * fraction * 100) / 100)));
  }
  parts.push(svgElement("text", { x: left, y: height - 3 }, "−5 min"));
  parts.push(svgElement("text", { x: width - 4, y: height - 3, "text-anchor": "end" }, "now"));
  for (const [name, value] of series) {
    const points = samples.filter((s) => value(s) !== null).map((s) => [x(s.t).toFixed(1), y(value(s)).toFixed(1)]);
    parts.push(svgElement("polyline", { points: points.map((p) => p.join(",")).join(" "), fill: "none", stroke: COLORS[name], "stroke-width": 1.5 }));
    if (points.length) parts.push(svgElement("circle", { cx: points[points.length - 1][0], cy: points[points.length - 1][1], r: 2.5, fill: COLORS[name] }));
  }
  svg.replaceChildren(...parts);
}

function drawCharts() {
  chart("chart-rates", CLASSES.map((c) => [c, (s) => s.rates ? s.rates[c] : null]));
  chart("chart-latency", [["p50", (s) => s.p50], ["p99", (s) => s.p99]]);
  chart("chart-limited", [["limited", (s) => s.limitedRate]]);
  chart("chart-inflight", [["in_flight", (s) => s.inFlight]]);
}

function record(stats) {
  const t = stats.uptime_seconds, byStatus = stats.requests.by_status;
  const sample = { t, rates: null, limitedRate: null, p50: stats.latency_ms.p50, p99: stats.latency_ms.p99,
                   inFlight: stats.requests.in_flight };
  if (previous && t > previous.t && stats.requests.total >= previous.total) {
    const elapsed = t - previous.t;
    sample.rates = {};
    for (const c of CLASSES) sample.rates[c] = Math.max(0, byStatus[c] - previous.byStatus[c]) / elapsed;
    sample.limitedRate = Math.max(0, stats.rate_limit.limited - previous.limited) / elapsed;
  } else if (previous) {
    samples = [];   // sluice restarted: its counters began again
  }
  previous = { t, total: stats.requests.total, byStatus: { ...byStatus }, limited: stats.rate_limit.limited };
  samples.push(sample);
  samples = samples.filter((s) => s.t >= t - WINDOW_SECONDS);
}

function render(stats) {
  setText("total-requests", stats.requests.total);
  setText("in-flight", stats.requests.in_flight);
  setText("total-limited", stats.rate_limit.limited);
  setText("store", stats.rate_limit.store);
  setText("tracked-keys", stats.rate_limit.tracked_keys);
  setText("uptime", duration(stats.uptime_seconds));

  const targets = fillTable("targets", stats.upstreams, "no targets", 5);
  for (const target of stats.upstreams) {
    const circuitClass = target.circuit === "closed" ? "circuit ok" : target.circuit === "open" ? "circuit bad" : "circuit warn";
    const tr = row(targets, [[target.target], [target.healthy ? "healthy" : "unhealthy", target.healthy ? "health ok" : "health bad"],
                             [target.circuit, circuitClass], [target.requests, "num requests"], [target.failures, "num failures"]]);
    tr.dataset.target = target.target;
  }
  const top = stats.rate_limit.top_limited || [];
  const limited = fillTable("top-limited", top, "nobody limited", 2);
  for (const entry of top) row(limited, [[entry.identity, "identity"], [entry.limited, "num"]]).dataset.identity = entry.identity;
  const shapes = Object.entries(stats.normaliser.by_shape);
  const shapeRows = fillTable("shapes", shapes, "", 2);
  for (const [shape, count] of shapes) row(shapeRows, [[shape], [count, "num"]]).dataset.shape = shape;
  row(shapeRows, [["total"], [stats.normaliser.rewritten, "num"]]);

  record(stats);
  drawCharts();
}

function status(text, isError) {
  const element = $("status");
  element.textContent = text;
  element.classList.toggle("error", Boolean(isError));
}

function askForToken(refused) {
  $("board").hidden = true;
  $("token-form").hidden = false;
  $("token-error").hidden = !refused;
  status("admin token needed", true);
  $("token-input").focus();
}

async function poll() {
  try {
    const headers = token === null ? {} : { Authorization: "Bearer " + token };
    const response = await fetch("/stats", { headers, cache: "no-store", credentials: "omit" });
    if (response.status === 401) {
      askForToken(token !== null);
      return;
    }
    if (!response.ok) throw new Error("/stats answered " + response.status);
    const stats = await response.json();
    $("board").hidden = false;
    $("token-form").hidden = true;
    render(stats);
    status("updated " + new Date().toLocaleTimeString());
  } catch (error) {
    status(String(error.message || error), true);
  }
  setTimeout(poll, 1000);
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token-input").value.trim();
  $("token-input").value = "";
  $("token-form").hidden = true;
  status("connecting…");
  poll();
});

legend("legend-rates", CLASSES);
legend("legend-latency", ["p50", "p99"]);
legend("legend-limited", ["limited"]);
legend("legend-inflight", ["in_flight"]);
poll();
</script>
</body>
</html>
"""#
}

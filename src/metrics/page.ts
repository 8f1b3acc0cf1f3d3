/**
 * The live status page served at / by -metrics: one HTML document with its script, no framework and
 * nothing fetched from elsewhere. It polls ./status every second and draws the last five minutes of
 * throughput, round-trip time and loss on canvases, with the sessions as a table. It sets
 * `data-samples` and `data-throughput` (bytes/s sent + received) on <body> for the browser test.
 * Kept as a string module so the build ships it inside dist/ with no copy step.
 */
export const STATUS_PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kcptun status</title>
<style>
  :root { --fg: #1d2430; --muted: #6b7585; --line: #dde2ea; --bg: #f6f8fb; --card: #fff;
          --send: #2f6fdf; --recv: #1fa36b; --ack: #9a5bd8; --rtt: #d9822b; --rto: #b0b7c3; --loss: #d64545; --fec: #2aa1b8; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 24px; padding: 14px 20px; background: var(--card); border-bottom: 1px solid var(--line); }
  h1 { font-size: 18px; margin: 0 12px 0 0; }
  .kv { color: var(--muted); } .kv b { color: var(--fg); font-weight: 600; }
  .badge { padding: 2px 10px; border-radius: 10px; font-weight: 600; color: #fff; background: var(--muted); }
  .badge.ok { background: var(--recv); } .badge.bad { background: var(--loss); }
  main { padding: 16px 20px; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 16px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .card h2 { font-size: 14px; margin: 0 0 6px; display: flex; justify-content: space-between; }
  .card h2 span { font-weight: 400; color: var(--muted); }
  .legend { font-size: 12px; color: var(--muted); margin-top: 4px; }
  .legend i { display: inline-block; width: 10px; height: 3px; margin: 0 4px 3px 10px; vertical-align: middle; }
  canvas { width: 100%; height: 170px; display: block; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  .wide { overflow-x: auto; } /* the session table's 15 columns scroll in their card, not the page */
  th, td { text-align: right; padding: 5px 6px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th:first-child, td:first-child { text-align: left; }
  th { font-weight: 600; color: var(--muted); font-size: 12px; }
  section { margin-top: 16px; }
  .empty { color: var(--muted); padding: 10px 0; }
  details { margin-top: 16px; } summary { cursor: pointer; color: var(--muted); }
  #error { color: var(--loss); font-weight: 600; }
</style>
</head>
<body data-samples="0" data-throughput="0">
<header>
  <h1>kcptun <span id="role"></span></h1>
  <span class="badge" id="health">&hellip;</span>
  <span class="kv">version <b id="version">-</b></span>
  <span class="kv">uptime <b id="uptime">-</b></span>
  <span class="kv">sessions <b id="sessions">-</b></span>
  <span class="kv">streams <b id="streams">-</b></span>
  <span class="kv">memory <b id="rss">-</b></span>
  <span class="kv">CPU <b id="cpu">-</b></span>
  <span class="kv">event-loop p99 <b id="eld">-</b></span>
  <span id="error"></span>
</header>
<main>
  <div class="charts">
    <div class="card"><h2>Throughput <span id="tp-now"></span></h2><canvas id="chart-throughput"></canvas>
      <div class="legend"><i style="background:var(--send)"></i>sent<i style="background:var(--recv)"></i>received<i style="background:var(--ack)"></i>acknowledged (bytes/s, all sessions)</div></div>
    <div class="card"><h2>Round-trip time <span id="rtt-now"></span></h2><canvas id="chart-rtt"></canvas>
      <div class="legend"><i style="background:var(--rtt)"></i>srtt<i style="background:var(--rto)"></i>rto (ms, busiest session)</div></div>
    <div class="card"><h2>Loss <span id="loss-now"></span></h2><canvas id="chart-loss"></canvas>
      <div class="legend"><i style="background:var(--loss)"></i>retransmitted<i style="background:var(--fec)"></i>FEC recovered (% of packets, all sessions)</div></div>
  </div>
  <section class="card">
    <h2>Sessions <span>busiest first</span></h2>
    <div class="wide"><table>
      <thead><tr><th>remote</th><th>state</th><th>conv</th><th>age</th><th>streams</th><th>sent/s</th><th>received/s</th><th>acked/s</th>
        <th>srtt</th><th>rto</th><th>in flight</th><th>wnd snd/rcv/peer</th><th>retrans</th><th>FEC rec.</th><th>last datagram</th></tr></thead>
      <tbody id="session-rows"></tbody>
    </table></div>
    <div class="empty" id="no-sessions">no open session</div>
  </section>
  <details><summary>settings and SNMP counters</summary>
    <table><tbody id="settings-rows"></tbody></table>
  </details>
</main>
<script>
"use strict";
var HISTORY = 300; // one point a second: the last five minutes
var POLL_MS = 1000;
var points = { t: [], sent: [], received: [], acked: [], srtt: [], rto: [], retrans: [], fec: [] };
var previous = null;

function $(id) { return document.getElementById(id); }
function bytes(n) {
  var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? Math.round(n) : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)) + " " + units[i];
}
function rate(n) { return bytes(n) + "/s"; }
function seconds(s) {
  if (s < 60) return s.toFixed(0) + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + Math.floor(s % 60) + " s";
  return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
}
function percent(r) { return (r * 100).toFixed(r < 0.01 ? 2 : 1) + " %"; }
/** A datagram at least every -keepalive seconds (10 by default) is normal: longer silence is shown. */
var SILENT_SECONDS = 15;
function sessionState(s) {
  if (s.secondsSinceLastDatagram > SILENT_SECONDS) return "silent";
  if (s.inFlight > 0 || s.sendRate + s.receiveRate > 0) return "active";
  return "idle";
}
function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); }
function push(key, value) { var a = points[key]; a.push(value); if (a.length > HISTORY) a.shift(); }

function record(doc) {
  var sent = 0, received = 0, acked = 0, segs = 0, retrans = 0, dgrams = 0, fec = 0;
  for (var i = 0; i < doc.sessions.length; i++) {
    var s = doc.sessions[i];
    sent += s.sendRate; received += s.receiveRate; acked += s.deliveryRate;
    segs += s.segmentsSent + s.segmentsRetransmitted; retrans += s.segmentsRetransmitted;
    dgrams += s.datagramsReceived; fec += s.fecRecovered;
  }
  var busiest = doc.sessions[0];
  var lossNow = 0, fecNow = 0;
  if (previous !== null) {
    var dSegs = segs - previous.segs, dRetrans = retrans - previous.retrans;
    var dDgrams = dgrams - previous.dgrams, dFec = fec - previous.fec;
    lossNow = dSegs > 0 && dRetrans > 0 ? dRetrans / dSegs : 0;
    fecNow = dDgrams > 0 && dFec > 0 ? dFec / dDgrams : 0;
  }
  previous = { segs: segs, retrans: retrans, dgrams: dgrams, fec: fec, cpu: doc.process.cpuSecondsTotal, up: doc.process.uptimeSeconds,
               cpuShare: previous === null ? 0 : (doc.process.cpuSecondsTotal - previous.cpu) / Math.max(1e-3, doc.process.uptimeSeconds - previous.up) };
  push("t", Date.now());
  push("sent", sent); push("received", received); push("acked", acked);
  push("srtt", busiest ? busiest.srttMs : 0); push("rto", busiest ? busiest.rtoMs : 0);
  push("retrans", lossNow * 100); push("fec", fecNow * 100);
  $("tp-now").textContent = "\u2191 " + rate(sent) + "  \u2193 " + rate(received);
  $("rtt-now").textContent = busiest ? busiest.srttMs + " ms" : "";
  $("loss-now").textContent = percent(lossNow) + " retransmitted";
  document.body.dataset.samples = String(points.t.length);
  document.body.dataset.throughput = String(Math.round(sent + received));
}

/** The time axis spans the points held, at least a minute, at most HISTORY seconds. */
function axisLabel(points) { return points < 120 ? "-" + points + " s" : "-" + Math.round(points / 60) + " min"; }

/** The axis top: max with headroom, at least floor, its quarter 1/2/2.5/5 x 10^k of the unit its labels read in (a power of base: 1024 for bytes), so grid labels differ and read round (an idle tunnel's once read 0, 0, 1, 1, 1 B/s, and 2 MiB/s's 977 KiB/s, 1.91 MiB/s). */
function axisMax(max, floor, base) { return roundTop(Math.max(max * 1.15, floor), base); }
function roundTop(top, base) {
  var unit = 1;
  while (base > 1 && top >= unit * base) unit *= base;
  var step = top / unit / 4, p = Math.pow(10, Math.floor(Math.log10(step))), m = step / p;
  var nice = 4 * unit * p * (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10);
  return base > 1 && nice >= unit * base ? roundTop(nice, base) : nice;
}

function drawChart(canvas, series, format, floor, base) {
  var dpr = window.devicePixelRatio || 1;
  var w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== w * dpr || canvas.height !== h * dpr) { canvas.width = w * dpr; canvas.height = h * dpr; }
  var ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.setLineDash([]);
  var left = 76, right = 8, top = 8, bottom = 20;
  var max = 0;
  for (var k = 0; k < series.length; k++) for (var j = 0; j < series[k].data.length; j++) max = Math.max(max, series[k].data[j]);
  max = axisMax(max, floor, base);
  var ticks = [];
  var css = getComputedStyle(document.documentElement);
  ctx.font = "11px system-ui, sans-serif"; ctx.fillStyle = css.getPropertyValue("--muted"); ctx.strokeStyle = css.getPropertyValue("--line"); ctx.lineWidth = 1;
  for (var g = 0; g <= 4; g++) {
    var y = top + (h - top - bottom) * (1 - g / 4);
    ctx.beginPath(); ctx.moveTo(left, y + 0.5); ctx.lineTo(w - right, y + 0.5); ctx.stroke();
    ticks.push(format(max * g / 4));
    ctx.textAlign = "right"; ctx.fillText(ticks[g], left - 6, y + 4);
  }
  canvas.dataset.ticks = ticks.join("|");
  var span = Math.min(HISTORY, Math.max(60, points.t.length)) - 1;
  ctx.textAlign = "left"; ctx.fillText(axisLabel(span + 1), left, h - 4);
  ctx.textAlign = "right"; ctx.fillText("now", w - right, h - 4);
  for (var s = 0; s < series.length; s++) {
    var data = series[s].data, n = data.length;
    ctx.strokeStyle = css.getPropertyValue(series[s].color); ctx.lineWidth = 2; ctx.setLineDash(series[s].dash ? [5, 4] : []); ctx.beginPath();
    for (var i = 0; i < n; i++) {
      var x = left + (w - left - right) * (1 - (n - 1 - i) / span);
      var yy = top + (h - top - bottom) * (1 - data[i] / max);
      if (i === 0) ctx.moveTo(x, yy); else ctx.lineTo(x, yy);
    }
    ctx.stroke();
  }
}

function render(doc) {
  $("role").textContent = doc.process.role;
  $("version").textContent = doc.process.version;
  $("uptime").textContent = seconds(doc.process.uptimeSeconds);
  $("sessions").textContent = String(doc.sessionsTotal);
  $("streams").textContent = String(doc.streamsTotal);
  $("rss").textContent = bytes(doc.process.residentMemoryBytes);
  $("cpu").textContent = percent(previous ? previous.cpuShare : 0);
  $("eld").textContent = doc.process.eventLoopDelayP99Ms.toFixed(1) + " ms";
  var badge = $("health");
  badge.textContent = doc.health.ok ? "healthy" : "unhealthy: " + doc.health.reason;
  badge.className = "badge " + (doc.health.ok ? "ok" : "bad");
  var body = $("session-rows");
  body.textContent = "";
  for (var i = 0; i < doc.sessions.length; i++) {
    var s = doc.sessions[i], row = document.createElement("tr");
    cell(row, s.remote); cell(row, sessionState(s)); cell(row, String(s.conv)); cell(row, seconds(s.ageSeconds)); cell(row, String(s.streams));
    cell(row, rate(s.sendRate)); cell(row, rate(s.receiveRate)); cell(row, rate(s.deliveryRate));
    cell(row, s.srttMs + " ms"); cell(row, s.rtoMs + " ms"); cell(row, String(s.inFlight));
    cell(row, s.sndWnd + "/" + s.rcvWnd + "/" + s.rmtWnd); cell(row, percent(s.retransmissionRatio));
    cell(row, String(s.fecRecovered)); cell(row, seconds(s.secondsSinceLastDatagram) + " ago");
    body.appendChild(row);
  }
  $("no-sessions").style.display = doc.sessions.length === 0 ? "" : "none";
  var settings = $("settings-rows");
  settings.textContent = "";
  var pairs = Object.entries(doc.settings).concat(Object.entries(doc.snmp));
  for (var p = 0; p < pairs.length; p++) {
    var tr = document.createElement("tr");
    cell(tr, pairs[p][0]); cell(tr, String(pairs[p][1]));
    settings.appendChild(tr);
  }
  // acknowledged follows sent closely: dashed on top of it, so both stay visible
  drawChart($("chart-throughput"), [{ data: points.sent, color: "--send" }, { data: points.received, color: "--recv" }, { data: points.acked, color: "--ack", dash: true }], rate, 1000, 1024);
  drawChart($("chart-rtt"), [{ data: points.rto, color: "--rto" }, { data: points.srtt, color: "--rtt" }], function (v) { return Math.round(v) + " ms"; }, 20);
  drawChart($("chart-loss"), [{ data: points.retrans, color: "--loss" }, { data: points.fec, color: "--fec" }], function (v) { return v.toFixed(v < 1 ? 2 : 1) + " %"; }, 1);
}

function poll() {
  fetch("status", { cache: "no-store" })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (doc) { $("error").textContent = ""; record(doc); render(doc); })
    .catch(function (err) { $("error").textContent = "status unavailable: " + err.message; })
    .then(function () { setTimeout(poll, POLL_MS); });
}
poll();
</script>
</body>
</html>
`;

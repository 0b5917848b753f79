// Shared by every page: the run name from the address, JSON requests with readable errors, the header, charts.
"use strict";

const App = {
  run() {
    const m = location.pathname.match(/^\/runs\/([^/]+)\//);
    return m ? decodeURIComponent(m[1]) : new URLSearchParams(location.search).get("run");
  },

  apiBase(run) { return "/api/runs/" + encodeURIComponent(run); },

  async json(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  },

  header(active) {
    const run = App.run();
    const links = [["Runs", "/", "runs"]];
    if (run) {
      const base = "/runs/" + encodeURIComponent(run);
      links.push(["Training", base + "/train", "train"], ["Explore", base + "/explore", "explore"], ["Reconstruct", base + "/reconstruct", "reconstruct"]);
    }
    links.push(["How it works", "/how" + (run ? "?run=" + encodeURIComponent(run) : ""), "how"]);
    const header = document.createElement("header");
    header.innerHTML = "<b>alae serve</b>" + (run ? "<span>" + App.escape(run) + "</span>" : "");
    for (const [text, href, key] of links) {
      const a = document.createElement("a");
      a.textContent = text; a.href = href;
      if (key === active) a.className = "active";
      header.appendChild(a);
    }
    document.body.prepend(header);
  },

  showError(error) {
    const box = document.getElementById("error");
    box.hidden = !error;
    box.textContent = error ? String(error.message || error) : "";
  },

  escape(text) { return String(text).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); },

  format(value) {
    if (typeof value !== "number") return String(value);
    return Math.abs(value) >= 1000 || value === Math.round(value) ? String(value) : value.toPrecision(4);
  },

  // Points [x, y] as a line chart with its y range and the last value; smoothing draws an EMA over the raw line.
  drawChart(canvas, points, title, smoothing) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    canvas.width = width * ratio; canvas.height = height * ratio;
    const g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    g.font = "12px system-ui, sans-serif";
    g.fillStyle = "#1d2330";
    g.fillText(title, 8, 16);
    if (points.length === 0) { g.fillStyle = "#667085"; g.fillText("no rows yet", 8, 36); return; }
    const left = 48, right = width - 10, top = 26, bottom = height - 22;
    const xs = points.map(p => p[0]);
    // The y range leaves out the first 5% of a long run (the first iterations' losses dwarf the rest); they are drawn clipped.
    const ys = points.slice(points.length > 100 ? Math.floor(points.length / 20) : 0).map(p => p[1]).filter(Number.isFinite);
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
    const X = x => left + (x - x0) / (x1 - x0) * (right - left);
    const Y = y => bottom - (Math.min(Math.max(y, y0), y1) - y0) / (y1 - y0) * (bottom - top);
    g.strokeStyle = "#d8dde6"; g.fillStyle = "#667085";
    for (const y of [y0, (y0 + y1) / 2, y1]) {
      g.beginPath(); g.moveTo(left, Y(y)); g.lineTo(right, Y(y)); g.stroke();
      g.fillText(App.format(y), 4, Y(y) + 4);
    }
    g.fillText(String(x0), left, height - 6);
    g.fillText(String(x1), right - g.measureText(String(x1)).width, height - 6);
    const line = (series, color, widthPx) => {
      g.strokeStyle = color; g.lineWidth = widthPx; g.beginPath();
      series.forEach(([x, y], i) => i ? g.lineTo(X(x), Y(y)) : g.moveTo(X(x), Y(y)));
      g.stroke(); g.lineWidth = 1;
    };
    line(points, smoothing ? "#b8c7ea" : "#2f6fdd", 1);
    if (smoothing) {
      let s = points[0][1];
      line(points.map(([x, y]) => [x, s = smoothing * s + (1 - smoothing) * y]), "#2f6fdd", 2);
    }
    const last = points[points.length - 1][1];
    g.fillStyle = "#1d2330";
    const label = "last " + App.format(last);
    g.fillText(label, right - g.measureText(label).width, 16);
  },

  // Shows url(...) in img, one request at a time: moves made while an image loads collapse into the latest one.
  liveImage(img, onError) {
    let busy = false, pending = null;
    const load = url => {
      busy = true;
      img.onload = () => { busy = false; if (pending) { const next = pending; pending = null; load(next); } };
      img.onerror = async () => {
        busy = false;
        const response = await fetch(url).catch(e => null);
        const body = response ? await response.json().catch(() => null) : null;
        onError(new Error(body && body.error ? body.error : "image failed to load: " + url));
      };
      img.src = url;
    };
    return url => { if (busy) pending = url; else load(url); };
  },
};

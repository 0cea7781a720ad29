// tcpsnitch report page: draws the views of every .tsr block from its JSON.
// No library: a canvas timeline and small SVG plots. Times are µs since the
// epoch in the data, shown relative to the trace's start.
(function () {
  "use strict";
  var COLORS = { TCP: "#3867d6", UDP: "#e58e26" }, OTHER = "#8a8fa3";
  var SERIES = ["#3867d6", "#e58e26", "#20bf6b", "#8854d0", "#eb3b5a", "#0fb9b1", "#4b6584", "#f7b731", "#a55eea", "#2d98da"];
  var PAGE = 100, TOP = 10; // TOP: page.Plots

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function fmtBytes(n) {
    if (n < 1e3) return n + " B";
    if (n < 1e6) return (n / 1e3).toFixed(1) + " kB";
    if (n < 1e9) return (n / 1e6).toFixed(1) + " MB";
    return (n / 1e9).toFixed(2) + " GB";
  }
  function fmtNs(ns) {
    if (ns == null || ns < 0) return "?";
    if (ns < 1e3) return ns + " ns";
    if (ns < 1e6) return (ns / 1e3).toFixed(1) + " µs";
    if (ns < 1e9) return (ns / 1e6).toFixed(1) + " ms";
    return (ns / 1e9).toFixed(2) + " s";
  }
  function fmtUs(us) { return fmtNs(us * 1000); }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }
  function proto(s) { return s.protocol + (s.family === "IPv4" ? "4" : s.family === "IPv6" ? "6" : ""); }
  function ends(s) {
    if (s.listening) return (s.local || "?") + " (listening)";
    var r = s.remote ? s.remote + (s.host ? " (" + s.host + ")" : "") : "";
    return (s.local || "?") + (r ? " → " + r : "");
  }

  function init(block) {
    var d = JSON.parse(block.querySelector(".tsr-data").textContent);
    var r = d.report, root = block.querySelector(".tsr-root");
    root.textContent = "";
    var socks = [];
    r.processes.forEach(function (p) {
      p.sockets.forEach(function (s) { socks.push({ p: p, s: s, id: p.name + "/" + s.index }); });
    });
    var t0 = r.start_usec, t1 = Math.max(r.end_usec, t0 + 1);
    var view = { a: t0, b: t1, listeners: [] };
    view.set = function (a, b) {
      if (b - a < 10) { var m = (a + b) / 2; a = m - 5; b = m + 5; }
      view.a = Math.max(t0, a); view.b = Math.min(t1, b);
      view.listeners.forEach(function (f) { f(); });
    };
    header(root, r);
    timeline(root, d, socks, view);
    charts(root, socks, view);
    callsAndErrors(root, socks);
    threads(root, r);
    socketTable(root, d, socks);
  }

  function header(root, r) {
    var app = r.meta.app || "trace";
    root.appendChild(el("h1", {}, "tcpsnitch report — " + app));
    var sub = r.source + (r.meta.cmd ? " · " + r.meta.cmd : "") + (r.meta.os ? " · " + r.meta.os + " " + (r.meta.kernel || "") : "");
    root.appendChild(el("div", { "class": "muted" }, sub));
    var cards = el("div", { "class": "cards" });
    var t = r.totals;
    [["processes", t.processes], ["sockets", t.sockets], ["events", t.events], ["sent", fmtBytes(t.bytes_sent)],
     ["received", fmtBytes(t.bytes_received)], ["failed calls", t.failed_calls], ["duration", fmtUs(r.end_usec - r.start_usec)]
    ].forEach(function (c) { var e = el("div", { "class": "card" }); e.appendChild(el("b", {}, String(c[1]))); e.appendChild(document.createTextNode(c[0])); cards.appendChild(e); });
    root.appendChild(cards);
    if (!r.durations_known) root.appendChild(el("div", { "class": "muted" }, "Call durations: unknown (the events carry no duration_nsec: an older or the original's trace)."));
    if (r.problems.length) {
      var box = el("details", { "class": "warn" });
      box.appendChild(el("summary", {}, r.problems.length + " damaged spot(s) in the trace; the rest is summarised"));
      r.problems.slice(0, 200).forEach(function (p) { box.appendChild(el("div", {}, p.file + (p.line ? ":" + p.line : "") + ": " + p.message)); });
      root.appendChild(box);
    }
  }

  // Timeline: one bar per socket over the trace, coloured by protocol; long
  // calls as red marks. Wheel zooms around the cursor, drag pans,
  // double-click resets.
  function timeline(root, d, socks, view) {
    root.appendChild(el("h2", {}, "Timeline"));
    var legend = el("div", { "class": "legend controls" });
    legend.innerHTML = '<span><i style="background:' + COLORS.TCP + '"></i>TCP</span><span><i style="background:' + COLORS.UDP +
      '"></i>UDP</span><span><i style="background:' + OTHER + '"></i>other</span><span><i style="background:#d63031"></i>call ≥ ' +
      fmtNs(d.long_call_nsec) + '</span><span class="muted">wheel: zoom · drag: pan · double-click: reset · scroll the bars with the scrollbar</span>';
    var reset = el("button", {}, "reset zoom");
    legend.appendChild(reset);
    root.appendChild(legend);
    // Every socket has a row; only the rows in view are drawn (the canvas
    // stays put while a filler gives the scrollbar its length), so tens of
    // thousands of sockets cost no more than a screenful.
    var rowH = 14, labelW = 190, axisH = 18, n = socks.length;
    var total = axisH + n * rowH + 4, viewH = Math.min(520, total);
    var wrap = el("div", { "class": "tl-wrap" });
    wrap.style.height = viewH + "px";
    var cv = el("canvas", { "class": "timeline", "data-bars": String(n) });
    cv.style.position = "sticky"; cv.style.top = "0";
    var filler = el("div");
    filler.style.height = Math.max(0, total - viewH) + "px";
    var tip = el("div", { "class": "tip" });
    wrap.appendChild(cv); wrap.appendChild(filler); root.appendChild(wrap); root.appendChild(tip);
    function draw() {
      var w = Math.max(400, wrap.clientWidth || 900), h = viewH, dpr = window.devicePixelRatio || 1;
      cv.width = w * dpr; cv.height = h * dpr; cv.style.width = w + "px"; cv.style.height = h + "px";
      var g = cv.getContext("2d");
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.clearRect(0, 0, w, h);
      var sx = (w - labelW - 10) / (view.b - view.a), top = wrap.scrollTop;
      function X(t) { return labelW + (t - view.a) * sx; }
      g.font = "10px sans-serif";
      for (var i = 0; i <= 6; i++) {
        var t = view.a + (view.b - view.a) * i / 6, x = X(t);
        g.fillStyle = "#eef"; g.fillRect(x, axisH - 4, 1, h);
        g.fillStyle = "#556"; g.fillText("+" + fmtUs(Math.round(t - d.report.start_usec)), Math.min(x, w - 50), 11);
      }
      var first = Math.max(0, Math.floor(top / rowH)), last = Math.min(n, first + Math.ceil(h / rowH) + 1);
      g.save(); g.beginPath(); g.rect(0, axisH, w, h - axisH); g.clip();
      for (var k = first; k < last; k++) {
        var e = socks[k], s = e.s, y = axisH + k * rowH - top;
        g.fillStyle = "#334"; g.fillText(e.id + " " + proto(s), 2, y + rowH - 4);
        var a = X(s.first_usec), b = Math.max(X(s.last_usec), a + 2);
        if (b >= labelW && a <= w) {
          g.fillStyle = COLORS[s.protocol] || OTHER;
          a = Math.max(a, labelW);
          g.fillRect(a, y + 2, b - a, rowH - 4);
        }
        (s.long_calls || []).forEach(function (c) {
          if (c.duration_nsec < d.long_call_nsec) return;
          var ca = Math.max(X(c.time_usec - c.duration_nsec / 1000), labelW), cb = Math.max(X(c.time_usec), ca + 2);
          if (cb < labelW) return;
          g.fillStyle = "#d63031"; g.fillRect(ca, y + 1, cb - ca, rowH - 2);
        });
      }
      g.restore();
    }
    function at(ev) {
      var rc = cv.getBoundingClientRect(), y = ev.clientY - rc.top;
      if (y < axisH) return {};
      var i = Math.floor((y - axisH + wrap.scrollTop) / rowH);
      return { i: i, e: socks[i] };
    }
    var drag = null;
    cv.addEventListener("mousemove", function (ev) {
      if (drag) {
        var dt = (drag.x - ev.clientX) * (view.b - view.a) / (cv.clientWidth - labelW - 10);
        drag.x = ev.clientX; view.set(view.a + dt, view.b + dt); return;
      }
      var hit = at(ev);
      if (!hit.e) { tip.style.display = "none"; return; }
      var s = hit.e.s, lines = [hit.e.id + "  " + proto(s) + "  " + ends(s),
        "start +" + fmtUs(s.first_usec - d.report.start_usec) + ", lasted " + fmtUs(s.duration_usec),
        "sent " + fmtBytes(s.bytes_sent) + ", received " + fmtBytes(s.bytes_received) + ", " + s.events + " events, " + s.failed_calls + " failed"];
      if (s.timing.connect_nsec != null) lines.push("connect " + fmtNs(s.timing.connect_nsec));
      if (s.timing.first_byte_nsec != null) lines.push("first byte " + fmtNs(s.timing.first_byte_nsec));
      (s.long_calls || []).slice(0, 3).forEach(function (c) { lines.push("long: " + c.type + " " + fmtNs(c.duration_nsec)); });
      tip.textContent = lines.join("\n");
      tip.style.display = "block"; tip.style.left = (ev.clientX + 12) + "px"; tip.style.top = (ev.clientY + 12) + "px";
    });
    cv.addEventListener("mouseleave", function () { tip.style.display = "none"; drag = null; });
    cv.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX }; });
    window.addEventListener("mouseup", function () { drag = null; });
    cv.addEventListener("wheel", function (ev) {
      if (ev.shiftKey) return; // shift+wheel scrolls the rows
      ev.preventDefault();
      var rc = cv.getBoundingClientRect(), f = (ev.clientX - rc.left - labelW) / (rc.width - labelW - 10);
      f = Math.min(1, Math.max(0, f));
      var span = view.b - view.a, ns = span * (ev.deltaY < 0 ? 0.8 : 1.25), c = view.a + f * span;
      view.set(c - f * ns, c + (1 - f) * ns);
    }, { passive: false });
    function full() { view.set(d.report.start_usec, Math.max(d.report.end_usec, d.report.start_usec + 1)); }
    cv.addEventListener("dblclick", full);
    reset.addEventListener("click", full);
    wrap.addEventListener("scroll", draw);
    view.listeners.push(draw);
    window.addEventListener("resize", draw);
    draw();
  }

  // A line chart in SVG: series = [{name, color, id, pts: [[t, v]...]}].
  // Each series is one polyline with as many points as it has data points
  // (tests count them against the JSON).
  function lineChart(title, series, view, fmtV, kind) {
    var box = el("div", { "class": "chart" });
    box.appendChild(el("h3", {}, title));
    var holder = el("div");
    box.appendChild(holder);
    var W = 640, H = 200, L = 56, B = 18;
    function draw() {
      var vmax = 1;
      series.forEach(function (s) { s.pts.forEach(function (p) { if (p[1] > vmax) vmax = p[1]; }); });
      if (kind === "cwnd" || kind === "retrans") vmax = Math.max(4, Math.ceil(vmax / 4) * 4); // whole ticks for counts
      var sx = (W - L - 8) / (view.b - view.a), sy = (H - B - 8) / vmax;
      var out = ['<svg viewBox="0 0 ' + W + " " + H + '" width="100%" role="img">'];
      for (var i = 0; i <= 4; i++) {
        var y = H - B - i * (H - B - 8) / 4;
        out.push('<line x1="' + L + '" x2="' + W + '" y1="' + y + '" y2="' + y + '" stroke="#eef"/><text x="2" y="' + (y + 3) + '">' + esc(fmtV(vmax * i / 4)) + "</text>");
      }
      out.push('<text x="' + L + '" y="' + (H - 4) + '">+' + esc(fmtUs(view.a - view.t0)) + '</text><text x="' + (W - 60) + '" y="' + (H - 4) + '">+' + esc(fmtUs(view.b - view.t0)) + "</text>");
      out.push('<svg x="' + L + '" y="0" width="' + (W - L) + '" height="' + H + '" overflow="hidden">');
      series.forEach(function (s) {
        var pts = s.pts.map(function (p) { return ((p[0] - view.a) * sx).toFixed(1) + "," + (H - B - p[1] * sy).toFixed(1); }).join(" ");
        out.push('<polyline class="series" data-kind="' + kind + '" data-socket="' + esc(s.id) + '" data-name="' + esc(s.name) + '" fill="none" stroke="' + s.color +
          '" stroke-width="1.5" points="' + pts + '"><title>' + esc(s.id + " " + s.name) + "</title></polyline>");
        if (s.pts.length <= 60) { // few points: mark each one (a single sample is no line)
          s.pts.forEach(function (p) {
            out.push('<circle class="marker" r="2.5" fill="' + s.color + '" cx="' + ((p[0] - view.a) * sx).toFixed(1) + '" cy="' + (H - B - p[1] * sy).toFixed(1) +
              '"><title>' + esc(s.id + " " + s.name + ": " + fmtV(p[1]) + " at +" + fmtUs(p[0] - view.t0)) + "</title></circle>");
          });
        }
      });
      out.push("</svg></svg>");
      holder.innerHTML = out.join("");
    }
    view.listeners.push(draw);
    draw();
    var lg = el("div", { "class": "legend" });
    series.forEach(function (s) { var sp = el("span"); sp.innerHTML = '<i style="background:' + s.color + '"></i>' + esc(s.id + " " + s.name); lg.appendChild(sp); });
    box.appendChild(lg);
    return box;
  }

  function charts(root, socks, view) {
    view.t0 = view.a;
    root.appendChild(el("h2", {}, "Over time"));
    var grid = el("div", { "class": "charts" });
    root.appendChild(grid);
    var byBytes = socks.filter(function (e) { return e.s.series.bytes.length > 0; })
      .sort(function (x, y) { return (y.s.bytes_sent + y.s.bytes_received) - (x.s.bytes_sent + x.s.bytes_received); }).slice(0, TOP);
    var bs = [];
    byBytes.forEach(function (e, i) {
      var c = SERIES[i % SERIES.length];
      bs.push({ id: e.id, name: "sent", color: c, pts: e.s.series.bytes.map(function (p) { return [p[0], p[1]]; }) });
      bs.push({ id: e.id, name: "received", color: c, pts: e.s.series.bytes.map(function (p) { return [p[0], p[2]]; }) });
    });
    if (bs.length) grid.appendChild(lineChart("Cumulative bytes (top " + byBytes.length + " sockets by bytes)", bs, view, fmtBytes, "bytes"));
    var withTI = socks.filter(function (e) { return e.s.series.tcp_info.length > 0; }).slice(0, TOP);
    if (!withTI.length) { grid.appendChild(el("div", { "class": "muted" }, "No tcp_info samples (trace taken without -u/-b).")); return; }
    [["RTT", 1, fmtUs, "rtt"], ["Congestion window (segments)", 2, String, "cwnd"], ["Retransmissions (total)", 3, String, "retrans"]].forEach(function (m) {
      var ss = withTI.map(function (e, i) {
        return { id: e.id, name: m[3], color: SERIES[i % SERIES.length], pts: e.s.series.tcp_info.map(function (p) { return [p[0], p[m[1]]]; }) };
      });
      grid.appendChild(lineChart("tcp_info: " + m[0], ss, view, function (v) { return m[2](Math.round(v)); }, m[3]));
    });
  }

  function barChart(title, rows, cls) {
    var box = el("div", { "class": "chart" });
    box.appendChild(el("h3", {}, title));
    if (!rows.length) { box.appendChild(el("div", { "class": "muted" }, "none")); return box; }
    var W = 640, rh = 16, L = 200, H = rows.length * rh + 4, vmax = rows[0][1];
    var out = ['<svg viewBox="0 0 ' + W + " " + H + '" width="100%">'];
    rows.forEach(function (r, i) {
      var w = Math.max(1, (W - L - 60) * r[1] / vmax);
      out.push('<text x="2" y="' + (i * rh + 12) + '">' + esc(r[0]) + '</text><rect class="' + cls + '" x="' + L + '" y="' + (i * rh + 3) + '" width="' + w.toFixed(1) +
        '" height="' + (rh - 5) + '" fill="' + (cls === "err" ? "#eb3b5a" : "#3867d6") + '"><title>' + esc(r[0] + ": " + r[1]) + '</title></rect><text x="' + (L + w + 4) + '" y="' + (i * rh + 12) + '">' + r[1] + "</text>");
    });
    out.push("</svg>");
    var holder = el("div"); holder.innerHTML = out.join(""); box.appendChild(holder);
    return box;
  }

  function callsAndErrors(root, socks) {
    root.appendChild(el("h2", {}, "Calls and errors"));
    var calls = {}, errs = {};
    socks.forEach(function (e) {
      for (var k in e.s.calls) calls[k] = (calls[k] || 0) + e.s.calls[k];
      e.s.failures.forEach(function (f) { var k = f.function + " " + f.errno; errs[k] = (errs[k] || 0) + f.count; });
    });
    function rows(m) { return Object.keys(m).map(function (k) { return [k, m[k]]; }).sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); }); }
    var grid = el("div", { "class": "charts" });
    grid.appendChild(barChart("Calls by function", rows(calls), "call"));
    grid.appendChild(barChart("Failed calls by function and errno", rows(errs), "err"));
    root.appendChild(grid);
  }

  function threads(root, r) {
    var rows = [];
    r.processes.forEach(function (p) { p.threads.forEach(function (t) { rows.push([p.name, t]); }); });
    if (!rows.length) return;
    root.appendChild(el("h2", {}, "Threads: time inside socket calls"));
    var tb = el("table");
    tb.innerHTML = '<thead><tr><th>process</th><th class="num">tid</th><th class="num">calls</th><th class="num">span</th><th class="num">in socket calls</th><th class="num">share</th></tr></thead>';
    var body = el("tbody");
    rows.forEach(function (x) {
      var t = x[1], tr = el("tr");
      tr.innerHTML = "<td>" + esc(x[0]) + '</td><td class="num">' + t.tid + '</td><td class="num">' + t.calls + '</td><td class="num">' + fmtUs(t.span_usec) +
        '</td><td class="num">' + (t.in_calls_nsec == null ? "unknown" : fmtNs(t.in_calls_nsec)) + '</td><td class="num">' + (t.share == null ? "?" : (t.share * 100).toFixed(1) + " %") + "</td>";
      body.appendChild(tr);
    });
    tb.appendChild(body);
    var sc = el("div", { "class": "scroll" }); sc.appendChild(tb); root.appendChild(sc);
  }

  // Sockets: one row per connection (click a header to sort, a row to see
  // its events below, filtered by type and failure, a page at a time).
  function socketTable(root, d, socks) {
    root.appendChild(el("h2", {}, "Sockets"));
    var cols = [["socket", function (e) { return e.id; }], ["proto", function (e) { return proto(e.s); }], ["local → remote", function (e) { return ends(e.s); }],
      ["start", function (e) { return e.s.first_usec - d.report.start_usec; }, fmtUs], ["duration", function (e) { return e.s.duration_usec; }, fmtUs],
      ["sent", function (e) { return e.s.bytes_sent; }, fmtBytes], ["received", function (e) { return e.s.bytes_received; }, fmtBytes],
      ["events", function (e) { return e.s.events; }, String], ["failed", function (e) { return e.s.failed_calls; }, String],
      ["connect", function (e) { return e.s.timing.connect_nsec; }, fmtNs], ["first byte", function (e) { return e.s.timing.first_byte_nsec; }, fmtNs],
      ["rtt avg", function (e) { return e.s.tcp_info && e.s.tcp_info.rtt_max_usec > 0 ? e.s.tcp_info.rtt_avg_usec : null; }, function (v) { return fmtUs(Math.round(v)); }],
      ["wire", function (e) { return e.s.wire ? e.s.wire.packets : null; }, function (v) { return v + " pkts"; }]];
    var tb = el("table", { "class": "sockets" }), head = el("tr"), body = el("tbody");
    var order = socks.slice(), sortCol = -1, dir = 1, shownRows = 500;
    cols.forEach(function (c, i) {
      var th = el("th", { "class": c[2] ? "num" : "" }, c[0]);
      th.addEventListener("click", function () { dir = sortCol === i ? -dir : 1; sortCol = i; sortRows(); fill(); });
      head.appendChild(th);
    });
    var thead = el("thead"); thead.appendChild(head); tb.appendChild(thead); tb.appendChild(body);
    function sortRows() {
      var f = cols[sortCol][1];
      order.sort(function (a, b) { var x = f(a), y = f(b); if (x == null) x = -Infinity; if (y == null) y = -Infinity; return (x < y ? -1 : x > y ? 1 : 0) * dir; });
    }
    var detail = el("div");
    function fill() {
      body.textContent = "";
      order.slice(0, shownRows).forEach(function (e) {
        var tr = el("tr", { "data-socket": e.id });
        if (e.s.failed_calls) tr.className = "failed";
        cols.forEach(function (c) {
          var v = c[1](e), td = el("td", { "class": c[2] ? "num" : "" }, v == null ? "" : c[2] ? c[2](v) : v);
          tr.appendChild(td);
        });
        tr.addEventListener("click", function () {
          Array.prototype.forEach.call(body.querySelectorAll("tr.sel"), function (x) { x.classList.remove("sel"); });
          tr.classList.add("sel"); events(detail, d, e);
        });
        body.appendChild(tr);
      });
      if (order.length > shownRows) {
        var tr = el("tr"), td = el("td", { colspan: String(cols.length) }), more = el("button", {}, "show 500 more of " + (order.length - shownRows));
        more.addEventListener("click", function () { shownRows += 500; fill(); });
        td.appendChild(more); tr.appendChild(td); body.appendChild(tr);
      }
    }
    fill();
    var sc = el("div", { "class": "scroll" }); sc.appendChild(tb); root.appendChild(sc);
    root.appendChild(detail);
    if (socks.length) events(detail, d, socks[0]);
  }

  function events(box, d, e) {
    box.textContent = "";
    var s = e.s, rows = d.events[e.id] || [];
    box.appendChild(el("h2", {}, "Events of socket " + e.id + " — " + proto(s) + " " + ends(s)));
    var info = [];
    if (s.timing.connect_nsec != null) info.push("connect " + fmtNs(s.timing.connect_nsec));
    if (s.timing.first_byte_nsec != null) info.push("first byte " + fmtNs(s.timing.first_byte_nsec));
    if (s.timing.read_nsec != null) info.push("in reads " + fmtNs(s.timing.read_nsec) + ", in writes " + fmtNs(s.timing.write_nsec) + ", in waits " + fmtNs(s.timing.wait_nsec));
    if (s.wire) info.push("wire: " + s.wire.packets + " packets, " + fmtBytes(s.wire.bytes) + ", " + s.wire.retransmits + " retransmitted");
    if (info.length) box.appendChild(el("div", { "class": "muted" }, info.join(" · ")));
    if (s.wire && s.wire.warning) box.appendChild(el("div", { "class": "warn" }, s.wire.warning));
    if (rows.length < s.events) box.appendChild(el("div", { "class": "muted" }, "The page keeps the first " + rows.length + " of this socket's " + s.events + " events; tcpsnitch report --json and the trace have all."));
    var ctl = el("div", { "class": "controls" }), typ = el("select", { "class": "type-filter" }), failed = el("input", { type: "checkbox", "class": "failed-filter" });
    var types = {};
    rows.forEach(function (r) { types[r[1]] = 1; });
    typ.appendChild(el("option", { value: "" }, "all types"));
    Object.keys(types).sort().forEach(function (t) { typ.appendChild(el("option", { value: t }, t)); });
    var lab = el("label"); lab.appendChild(failed); lab.appendChild(document.createTextNode(" failed only"));
    var prev = el("button", {}, "◀"), next = el("button", {}, "▶"), pg = el("span", { "class": "muted" });
    [typ, lab, prev, pg, next].forEach(function (x) { ctl.appendChild(x); });
    box.appendChild(ctl);
    var tb = el("table", { "class": "events" });
    tb.innerHTML = '<thead><tr><th class="num">line</th><th class="num">time</th><th>call</th><th class="num">return</th><th>errno</th><th class="num">duration</th><th class="num">thread</th></tr></thead>';
    var body = el("tbody"); tb.appendChild(body);
    var sc = el("div", { "class": "scroll" }); sc.appendChild(tb); box.appendChild(sc);
    var page = 0, sel = rows;
    function filter() {
      sel = rows.filter(function (r) { return (!typ.value || r[1] === typ.value) && (!failed.checked || r[3]); });
      page = 0; fill();
    }
    function fill() {
      var n = Math.max(1, Math.ceil(sel.length / PAGE));
      page = Math.min(Math.max(page, 0), n - 1);
      pg.textContent = "page " + (page + 1) + " of " + n + " (" + sel.length + " events)";
      body.textContent = "";
      sel.slice(page * PAGE, page * PAGE + PAGE).forEach(function (r) {
        var tr = el("tr");
        if (r[3]) tr.className = "failed";
        if (r[4] >= d.long_call_nsec) tr.className += " long";
        [[r[6], 1], ["+" + fmtUs(r[0] - d.report.start_usec), 1], [r[1]], [r[2], 1], [r[3]], [r[4] < 0 ? "?" : fmtNs(r[4]), 1], [r[5], 1]].forEach(function (c) {
          tr.appendChild(el("td", { "class": c[1] ? "num" : "" }, String(c[0])));
        });
        body.appendChild(tr);
      });
    }
    typ.addEventListener("change", filter); failed.addEventListener("change", filter);
    prev.addEventListener("click", function () { page--; fill(); });
    next.addEventListener("click", function () { page++; fill(); });
    fill();
  }

  var blocks = document.querySelectorAll(".tsr");
  for (var i = 0; i < blocks.length; i++) {
    if (!blocks[i].dataset.tsrDone) { blocks[i].dataset.tsrDone = "1"; init(blocks[i]); }
  }
})();

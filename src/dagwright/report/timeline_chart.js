/* dagwright timeline: the chart. One lane per thread, a bar per node, the stop, the critical
   path; drawn as SVG for the time window in view (state.from .. state.to), redrawn on zoom/pan. */
DW.chart = (function () {
  'use strict';
  var S = DW.state, esc = DW.esc;
  var LABEL_W = 132, LANE_H = 34, BAR_H = 22, TEST_H = 14, SUB_H = 18, AXIS_H = 26, TOP = 28, RIGHT = 14;
  var MIN_W = 3, HIT_W = 7, MAX_ROWS = 12;
  var host = document.getElementById('chart');
  var measure = document.createElement('canvas').getContext('2d');
  measure.font = '11px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';
  function textW(n) { if (n.tw == null) n.tw = measure.measureText(n.name).width + 2; return n.tw; }

  var lanes = DW.data.lanes;
  var perLane = {};
  lanes.forEach(function (l) { perLane[l.id] = []; });
  DW.nodes.forEach(function (n) { (perLane[n.lane] || (perLane[n.lane] = [])).push(n); });
  Object.keys(perLane).forEach(function (k) {
    perLane[k].sort(function (a, b) { return a.at - b.at || (a.id < b.id ? -1 : 1); });
  });

  function niceStep(width) {
    var raw = Math.max(width, 1e-6) / 8, power = Math.pow(10, Math.floor(Math.log10(raw)));
    var mults = [1, 2, 5, 10];
    for (var i = 0; i < mults.length; i++) { if (raw <= mults[i] * power) return mults[i] * power; }
    return 10 * power;
  }
  function tickLabel(v, step) {
    if (step >= 60 && v >= 60) { var m = Math.floor(v / 60); return m + 'm' + String(Math.round(v - m * 60)).padStart(2, '0') + 's'; }
    var d = step < 1 ? Math.max(0, -Math.floor(Math.log10(step))) : 0;
    return v.toFixed(d) + 's';
  }

  var geometry = null; // what the last draw used: for the mouse (time at a pixel)

  function draw() {
    var W = Math.max(640, host.clientWidth || 1100);
    var plotW = W - LABEL_W - RIGHT, right = LABEL_W + plotW;
    var from = S.from, to = S.to, scale = plotW / (to - from);
    var X = function (t) { return LABEL_W + (t - from) * scale; };
    var filt = DW.filtering() || S.q;
    var shown = 0;

    // the not-run lane: markers in rows so that no two labels overlap; a label sits right of its
    // marker, or left when there is no room, or is left out (the node is in the table, and found by search)
    var rowOf = {}, sideOf = {}, rowRight = [], rows = 0;
    lanes.forEach(function (lane) {
      if (!lane.not_run) return;
      perLane[lane.id].forEach(function (n) {
        var x = X(n.at);
        if (x < LABEL_W - 4 || x > right + 4) return;
        var w = textW(n), side = 'n', a = x - 5, b = x + 5;
        if (x + 8 + w <= right) { side = 'r'; b = x + 8 + w; } else if (x - 8 - w >= LABEL_W) { side = 'l'; a = x - 8 - w; }
        var r = -1;
        for (var i = 0; i < rowRight.length; i++) { if (a >= rowRight[i] + 6) { r = i; break; } }
        if (r < 0 && rowRight.length < MAX_ROWS) { r = rowRight.length; rowRight.push(-1e9); }
        if (r < 0) { r = MAX_ROWS - 1; side = 'n'; b = x + 5; }
        rowRight[r] = Math.max(rowRight[r], b);
        rowOf[n.id] = r; sideOf[n.id] = side;
      });
      rows = rowRight.length;
    });

    var top = {}, y = TOP;
    lanes.forEach(function (l) { top[l.id] = y; y += l.not_run ? Math.max(LANE_H, 8 + SUB_H * Math.max(rows, 1)) : LANE_H; });
    var bottom = y, H = bottom + AXIS_H;
    var o = [];
    o.push('<svg xmlns="http://www.w3.org/2000/svg" id="timeline" width="' + W + '" height="' + H +
      '" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="timeline of the run">');
    o.push('<defs><clipPath id="plot"><rect x="' + LABEL_W + '" y="0" width="' + plotW + '" height="' + H + '"/></clipPath></defs>');
    lanes.forEach(function (l, i) {
      var t = top[l.id], h = (i + 1 < lanes.length ? top[lanes[i + 1].id] : bottom) - t;
      o.push('<g class="lane" data-lane="' + esc(l.id) + '"><rect x="0" y="' + t + '" width="' + W + '" height="' + h +
        '" fill="' + (i % 2 ? '#ffffff' : '#f6f8fa') + '"/><text class="lane-label" x="8" y="' + (t + 15) + '">' + esc(l.label) + '</text>');
      if (l.idle != null && !l.not_run) {
        var pct = DW.span > 0 ? Math.round(100 * l.idle / DW.span) : 0;
        o.push('<text class="idle" x="8" y="' + (t + 28) + '">idle ' + DW.dur(l.idle) + ' (' + pct + '%)</text>');
      }
      o.push('</g>');
    });
    var step = niceStep(to - from);
    for (var v = Math.ceil(from / step - 1e-9) * step; v <= to + 1e-9; v += step) {
      var x = X(v).toFixed(1);
      o.push('<line class="grid" x1="' + x + '" y1="' + (TOP - 4) + '" x2="' + x + '" y2="' + bottom + '"/>');
      o.push('<text class="tick" x="' + x + '" y="' + (bottom + 16) + '" text-anchor="middle">' + tickLabel(v, step) + '</text>');
    }
    o.push('<line x1="' + LABEL_W + '" y1="' + bottom + '" x2="' + right + '" y2="' + bottom + '" stroke="#8c959f"/>');

    o.push('<g clip-path="url(#plot)">');
    lanes.forEach(function (l) {
      var t = top[l.id], arr = perLane[l.id];
      for (var i = 0; i < arr.length; i++) {
        var n = arr[i], m = !filt || DW.matches(n), hit = !!S.q && m;
        var cls = 'node' + (m ? '' : ' dim') + (hit ? ' hit' : '') + (n.id === S.focus ? ' focus' : '');
        var head = '<g class="' + cls + '" data-uid="' + esc(n.id) + '" data-lane="' + esc(n.lane) + '" data-status="' +
          esc(n.status) + '" data-critical="' + n.crit + '">';
        var colour = DW.colour(n.status);
        if (!n.ran) {
          if (rowOf[n.id] == null) continue;
          var xm = X(n.at), ym = t + 6 + rowOf[n.id] * SUB_H;
          o.push(head + '<rect class="marker" x="' + (xm - 4).toFixed(1) + '" y="' + (ym + 2) + '" width="8" height="12" rx="2" fill="' + colour + '"/>');
          if (sideOf[n.id] === 'r') o.push('<text class="bar-label out" x="' + (xm + 8).toFixed(1) + '" y="' + (ym + 12) + '">' + esc(n.name) + '</text>');
          if (sideOf[n.id] === 'l') o.push('<text class="bar-label out" x="' + (xm - 8).toFixed(1) + '" y="' + (ym + 12) + '" text-anchor="end">' + esc(n.name) + '</text>');
          o.push('</g>'); shown++;
          continue;
        }
        if (n.start > to) break;
        if (n.end < from) continue;
        var x0 = X(n.start), w = (n.end - n.start) * scale, minW = hit ? HIT_W : MIN_W;
        if (w < minW) { x0 -= (minW - w) / 2; w = minW; } else { x0 += 0.5; w -= 1; } // a gap between back-to-back bars
        // a test is a thinner bar than what it tests
        var bh = n.type === 'test' || n.type === 'unit_test' ? TEST_H : BAR_H;
        var yb = t + (LANE_H - bh) / 2, ly = (yb + bh / 2 + 4).toFixed(1), cw = Math.min(w, n.comp * scale);
        o.push(head);
        if (cw >= 1) o.push('<rect class="comp" x="' + x0.toFixed(2) + '" y="' + yb + '" width="' + cw.toFixed(2) + '" height="' + bh + '" fill="' + colour + '"/>');
        else cw = 0;
        o.push('<rect class="exec" x="' + (x0 + cw).toFixed(2) + '" y="' + yb + '" width="' + Math.max(0.5, w - cw).toFixed(2) + '" height="' + bh + '" fill="' + colour + '"/>');
        if (n.crit) o.push('<rect class="crit" x="' + (x0 - 1).toFixed(2) + '" y="' + (yb - 1) + '" width="' + (w + 2).toFixed(2) + '" height="' + (bh + 2) + '" rx="2"/>');
        // a label inside the visible part of its bar, or right of it up to the next bar and the
        // plot's edge; never cut: where it does not fit whole it is left out
        var vx0 = Math.max(x0, LABEL_W), vx1 = Math.min(x0 + w, right);
        var next = right;
        for (var j = i + 1; j < arr.length; j++) { if (arr[j].ran) { next = Math.min(right, X(arr[j].start)); break; } }
        if (Math.max(vx1 - vx0, next - x0 - w) < 20) { o.push('</g>'); shown++; continue; } // no room for any name: not measured
        var tw = textW(n);
        if (tw + 8 <= vx1 - vx0) o.push('<text class="bar-label" x="' + (vx0 + 4).toFixed(1) + '" y="' + ly + '">' + esc(n.name) + '</text>');
        else if (x0 + w >= LABEL_W && x0 + w + 4 + tw <= next - 2) o.push('<text class="bar-label out" x="' + (x0 + w + 4).toFixed(1) + '" y="' + ly + '">' + esc(n.name) + '</text>');
        o.push('</g>'); shown++;
      }
    });
    // the focused node: why it started when it did. A line from the end of the upstream it
    // waited on to its own start; the dashed part is its time in the queue
    var f = S.focus && DW.byId[S.focus], w = f && f.waited && DW.byId[f.waited];
    if (f && f.ran && w && w.ran && top[w.lane] != null && top[f.lane] != null) {
      var wy = top[w.lane] + LANE_H / 2, fy = top[f.lane] + LANE_H / 2;
      o.push('<g id="waitline"><line class="wait-link" x1="' + X(w.end).toFixed(1) + '" y1="' + wy + '" x2="' + X(f.ready).toFixed(1) +
        '" y2="' + fy + '"/><line class="wait-queue" x1="' + X(f.ready).toFixed(1) + '" y1="' + fy + '" x2="' + X(f.start).toFixed(1) +
        '" y2="' + fy + '"/><circle class="wait-dot" cx="' + X(w.end).toFixed(1) + '" cy="' + wy + '" r="3"/></g>');
    }
    o.push('</g>');

    var stop = DW.data.stop;
    if (stop && stop.at != null && stop.at >= from && stop.at <= to) {
      var xs = X(stop.at);
      if (stop.cancel) o.push('<rect class="cancel-band" x="' + xs.toFixed(2) + '" y="' + (TOP - 4) + '" width="' + Math.max(1, stop.cancel * scale).toFixed(2) + '" height="' + (bottom - TOP + 4) + '"/>');
      o.push('<line id="stop" x1="' + xs.toFixed(2) + '" y1="' + (TOP - 10) + '" x2="' + xs.toFixed(2) + '" y2="' + bottom + '"><title>' + esc(stop.text) + '</title></line>');
      var end = xs > LABEL_W + plotW * 0.6;
      o.push('<text class="stop-label" x="' + (xs + (end ? -5 : 5)).toFixed(1) + '" y="' + (TOP - 12) + '" text-anchor="' + (end ? 'end' : 'start') + '">' +
        esc('stop: ' + (stop.kind || '') + ' at +' + stop.at.toFixed(2) + 's') + '</text>');
    }
    if (from > 0 || to < DW.span) {
      o.push('<text class="window" x="' + LABEL_W + '" y="12">showing +' + from.toFixed(3) + 's to +' + to.toFixed(3) + 's of ' + DW.dur(DW.span) + '</text>');
    }
    o.push('</svg>');
    host.innerHTML = o.join('');
    host.setAttribute('data-from', from.toFixed(4));
    host.setAttribute('data-to', to.toFixed(4));
    host.setAttribute('data-shown', shown);
    geometry = { left: LABEL_W, width: plotW, from: from, to: to };
    if (S.audit) audit(LABEL_W, right);
  }

  // #audit=1 (the tests): how many labels the plot's edges would cut, and how many overlap another
  function audit(left, right) {
    var boxes = [].map.call(host.querySelectorAll('text.bar-label'), function (t) { return t.getBBox(); });
    var cut = boxes.filter(function (b) { return b.x < left - 0.5 || b.x + b.width > right + 0.5; }).length, overlaps = 0;
    for (var i = 0; i < boxes.length; i++) {
      for (var j = i + 1; j < boxes.length; j++) {
        var a = boxes[i], b = boxes[j];
        if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) overlaps++;
      }
    }
    host.setAttribute('data-labels', boxes.length);
    host.setAttribute('data-labels-cut', cut);
    host.setAttribute('data-labels-overlapping', overlaps);
  }

  function timeAt(clientX) {
    var box = host.getBoundingClientRect(), g = geometry;
    var f = (clientX - box.left - g.left) / g.width;
    return g.from + Math.min(1, Math.max(0, f)) * (g.to - g.from);
  }

  var pending = false;
  function redraw(after) {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(); if (after) after(); });
  }

  function bind(changed) {
    host.addEventListener('wheel', function (e) {
      if (!geometry) return; // the wheel zooms at the pointer; shift+wheel, or a sideways swipe, pans
      e.preventDefault();
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        DW.panBy(((e.deltaX || e.deltaY) / geometry.width) * (S.to - S.from));
      } else {
        DW.zoomBy(e.deltaY < 0 ? 0.8 : 1.25, timeAt(e.clientX));
      }
      redraw(changed);
    }, { passive: false });
    var drag = null;
    host.addEventListener('mousedown', function (e) {
      if (e.button !== 0 || !geometry) return;
      drag = { x: e.clientX, from: S.from, to: S.to, moved: false };
      e.preventDefault();
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) return;
      var dx = e.clientX - drag.x;
      if (Math.abs(dx) > 2) drag.moved = true;
      var dt = -dx / geometry.width * (drag.to - drag.from);
      DW.setWindow(drag.from + dt, drag.to + dt);
      host.classList.add('dragging');
      redraw();
    });
    window.addEventListener('mouseup', function () {
      if (!drag) return;
      var moved = drag.moved;
      drag = null;
      host.classList.remove('dragging');
      if (moved) { draw(); changed(); } // the last frame drawn whatever the frames in between did
    });
  }

  return { draw: draw, bind: bind, redraw: redraw, host: host };
})();

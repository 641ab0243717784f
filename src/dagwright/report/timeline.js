/* dagwright timeline: the header, the controls, the tooltip, the first draw. */
(function () {
  'use strict';
  var S = DW.state, esc = DW.esc, data = DW.data, nodes = DW.nodes, h = data.header || {};
  DW.readHash();
  if (S.chartOnly) document.body.classList.add('chart-only');

  // -- the header: what ran, where, how --------------------------------------------------------
  var facts = [
    ['project', h.project], ['target', h.target], ['engine', h.engine], ['version', h.version],
    ['threads', h.threads], ['selection', h.selection], ['nodes', nodes.length],
    ['elapsed', h.elapsed != null ? h.elapsed.toFixed(2) + 's' : null], ['first node at', h.started_at],
    ['invocation', h.invocation_id]
  ];
  var head = ['<h1>' + esc(data.title) + (data.simulated ? '<span class="sim">simulated</span>' : '') + '</h1>'];
  if (h.command) head.push('<p class="cmd"><code>' + esc(h.command) + '</code></p>');
  head.push('<dl class="facts">' + facts.filter(function (f) { return f[1] != null && f[1] !== ''; }).map(function (f) {
    return '<div><dt>' + f[0] + '</dt><dd data-fact="' + f[0] + '">' + esc(f[1]) + '</dd></div>';
  }).join('') + '</dl>');
  var counts = {};
  nodes.forEach(function (n) { counts[n.status] = (counts[n.status] || 0) + 1; });
  var order = ['success', 'pass', 'warn', 'error', 'fail', 'cancelled', 'skipped', 'no-op'];
  Object.keys(counts).forEach(function (s) { if (order.indexOf(s) < 0) order.push(s); });
  head.push('<div class="pills">' + order.filter(function (s) { return counts[s]; }).map(function (s) {
    return '<span data-status="' + esc(s) + '" style="background:' + DW.colour(s) + '">' + esc(s) + ' ' + counts[s] + '</span>';
  }).join('') + '</div>');
  if (data.stop) head.push('<p class="stopnote">Stop: ' + esc(data.stop.text) + '</p>');
  head.push('<div class="legend">' + ['success', 'error', 'cancelled', 'skipped', 'warn'].map(function (s) {
    return '<i style="background:' + DW.colour(s) + '"></i>' + s;
  }).join('') + '<i class="compile"></i>compile (lighter part) <i class="crit"></i>critical path <i class="hitkey"></i>search match <i class="testkey"></i>test (thinner bar)</div>');
  document.getElementById('head').innerHTML = head.join('');

  var crit = data.critical_names.length
    ? 'Critical path (the longest chain of dependent nodes that completed, by measured time): ' + data.critical_names.map(esc).join(' &rarr; ')
    : 'Critical path: unknown (no manifest.json beside the run, or no node completed)';
  document.getElementById('critical').innerHTML = crit;

  // -- the controls --------------------------------------------------------------------------------
  function values(get) {
    var seen = {};
    nodes.forEach(function (n) { [].concat(get(n) || []).forEach(function (v) { seen[v] = 1; }); });
    return Object.keys(seen).sort();
  }
  function select(id, label, options, current) {
    var cur = current.join(',');
    if (cur && options.indexOf(cur) < 0) options = options.concat([cur]);
    return '<select id="' + id + '" title="' + label + '"><option value="">' + label + ': all</option>' + options.map(function (v) {
      return '<option value="' + esc(v) + '"' + (v === cur ? ' selected' : '') + '>' + esc(v) + '</option>';
    }).join('') + '</select>';
  }
  var tags = values(function (n) { return n.tags; });
  var ctl = ['<input type="search" id="q" placeholder="search nodes by name" value="' + esc(S.q) + '">',
    select('f-status', 'status', values(function (n) { return n.status; }), S.status),
    select('f-type', 'type', values(function (n) { return n.type; }), S.type),
    tags.length ? select('f-tag', 'tag', tags, S.tag) : '',
    select('f-thread', 'thread', data.lanes.map(function (l) { return l.label; }), S.thread),
    '<label><input type="checkbox" id="f-crit"' + (S.crit ? ' checked' : '') + '> critical path</label>',
    '<span class="zoom"><button data-act="in" title="zoom in (or the mouse wheel)">+</button><button data-act="out" title="zoom out">&minus;</button>' +
    '<button data-act="left" title="pan left (or drag the chart)">&#9664;</button><button data-act="right" title="pan right">&#9654;</button>' +
    '<button data-act="fit" title="zoom to the nodes the search and filters let through">fit matches</button>' +
    '<button data-act="reset" title="the whole run">reset</button></span>'];
  var controls = document.getElementById('controls');
  controls.innerHTML = ctl.join(' ');

  function changed() { S.limit = 200; DW.writeHash(); DW.chart.draw(); DW.table.draw(); }
  function focus(uid) {
    var n = DW.byId[uid];
    if (!n) return;
    S.focus = uid;
    var a = n.ran ? n.start : n.at, b = n.ran ? n.end : n.at, pad = Math.max((b - a) * 2, DW.span * 0.01, 0.002);
    DW.setWindow(a - pad, b + pad);
    changed();
    DW.chart.host.scrollIntoView({ block: 'nearest' });
  }
  var timer = null;
  document.getElementById('q').addEventListener('input', function (e) {
    clearTimeout(timer);
    timer = setTimeout(function () { S.q = e.target.value.trim(); changed(); }, 120);
  });
  ['status', 'type', 'tag', 'thread'].forEach(function (k) {
    var el = document.getElementById('f-' + k);
    if (el) el.addEventListener('change', function () { S[k] = el.value ? el.value.split(',') : []; changed(); });
  });
  document.getElementById('f-crit').addEventListener('change', function (e) { S.crit = e.target.checked; changed(); });
  controls.addEventListener('click', function (e) {
    var act = e.target.getAttribute && e.target.getAttribute('data-act');
    if (!act) return;
    var w = S.to - S.from, mid = (S.from + S.to) / 2;
    if (act === 'in') DW.zoomBy(0.5, mid);
    if (act === 'out') DW.zoomBy(2, mid);
    if (act === 'left') DW.panBy(-w / 3);
    if (act === 'right') DW.panBy(w / 3);
    if (act === 'reset') { S.focus = null; DW.setWindow(0, DW.span); }
    if (act === 'fit') {
      var hits = DW.matching(), a = Infinity, b = -Infinity;
      hits.forEach(function (n) { a = Math.min(a, n.at); b = Math.max(b, n.ran ? n.end : n.at); });
      if (hits.length) { var pad = Math.max((b - a) * 0.05, 0.002); DW.setWindow(a - pad, b + pad); }
    }
    DW.writeHash(); DW.chart.draw();
  });

  // -- the tooltip ---------------------------------------------------------------------------------
  var tip = document.getElementById('tip');
  DW.chart.host.addEventListener('mousemove', function (e) {
    var g = e.target.closest && e.target.closest('g.node');
    if (!g) { tip.style.display = 'none'; return; }
    tip.textContent = DW.tooltip(DW.byId[g.getAttribute('data-uid')]);
    tip.style.display = 'block';
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth - 8) x = e.clientX - tip.offsetWidth - 14;
    if (y + tip.offsetHeight > window.innerHeight - 8) y = e.clientY - tip.offsetHeight - 14;
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  });
  DW.chart.host.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  DW.chart.host.addEventListener('dblclick', function (e) {
    var g = e.target.closest && e.target.closest('g.node');
    if (g) focus(g.getAttribute('data-uid'));
  });

  // keys: / search, + and - zoom, the arrows pan, 0 the whole run, Escape clears the search
  document.addEventListener('keydown', function (e) {
    var q = document.getElementById('q'), typing = /^(INPUT|SELECT|TEXTAREA)$/.test((e.target || {}).tagName || '');
    if (e.key === 'Escape' && e.target === q) { q.value = ''; S.q = ''; changed(); q.blur(); return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    var w = S.to - S.from, mid = (S.from + S.to) / 2, keys = {
      '/': function () { q.focus(); }, '+': function () { DW.zoomBy(0.5, mid); }, '=': function () { DW.zoomBy(0.5, mid); },
      '-': function () { DW.zoomBy(2, mid); }, '0': function () { DW.setWindow(0, DW.span); },
      ArrowLeft: function () { DW.panBy(-w / 3); }, ArrowRight: function () { DW.panBy(w / 3); }
    };
    if (!keys[e.key]) return;
    e.preventDefault();
    keys[e.key]();
    if (e.key !== '/') { DW.writeHash(); DW.chart.draw(); }
  });
  DW.chart.bind(function () { DW.writeHash(); });
  DW.table.bind(changed, focus);
  DW.chart.draw();
  DW.table.draw();
  window.addEventListener('resize', function () { DW.chart.redraw(); });
  // load to interactive, for the benchmark (bench/RESULTS.md) and the tests
  if (performance.mark) performance.mark('dw-interactive');
  var now = performance.now();
  document.body.setAttribute('data-ready-ms', now.toFixed(0));
  document.body.setAttribute('data-script-ms', (now - DW.scriptStart).toFixed(0));
})();

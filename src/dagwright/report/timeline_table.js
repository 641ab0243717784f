/* dagwright timeline: the node table. The nodes the search and filters let through, sorted by
   any column (click its header), drawn a page at a time so that 5,000 nodes stay fast. */
DW.table = (function () {
  'use strict';
  var S = DW.state, esc = DW.esc, dur = DW.dur;
  var host = document.getElementById('table');
  var nodes = DW.nodes;
  var jobs = nodes.some(function (n) { return n.job || n.bytes != null; });
  var history = nodes.some(function (n) { return n.previous && n.previous.length; });
  var RANK = { error: 0, fail: 1, cancelled: 2, warn: 3, skipped: 4, 'no-op': 5, success: 6, pass: 7 };

  function waitedName(n) { return n.waited ? (DW.byId[n.waited] ? DW.byId[n.waited].name : n.waited) : null; }
  var cols = [
    { key: 'name', title: 'node', get: function (n) { return n.name.toLowerCase(); },
      cell: function (n) {
        return (n.crit ? '<span class="star" title="on the critical path">&#9733;</span> ' : '') +
          '<span class="nm" title="' + esc(n.id) + '">' + esc(n.name) + '</span>' +
          (n.tags ? ' <span class="tags">' + n.tags.map(esc).join(' ') + '</span>' : '');
      } },
    { key: 'type', title: 'type', get: function (n) { return n.type; },
      cell: function (n) { return esc(n.type) + (n.mat ? ' <span class="mat">' + esc(n.mat) + '</span>' : ''); } },
    { key: 'status', title: 'status', get: function (n) { return RANK[n.status] != null ? RANK[n.status] : 9; },
      cell: function (n) { return '<b style="color:' + DW.colour(n.status) + '">' + esc(n.status) + '</b>'; } },
    { key: 'thread', title: 'thread', get: function (n) { return n.thread; }, cell: function (n) { return esc(n.thread); } },
    { key: 'start', title: 'start', num: true, get: function (n) { return n.ran ? n.start : null; },
      cell: function (n) { return n.ran ? '+' + n.start.toFixed(2) + 's' : '-'; } },
    { key: 'queue', title: 'wait', num: true, tip: 'ready (its last upstream done) to start: time queued for a thread',
      get: function (n) { return n.queue; }, cell: function (n) { return dur(n.queue); } },
    { key: 'dur', title: 'duration', num: true, tip: 'start to end (compile + execute)',
      get: function (n) { return n.dur; },
      cell: function (n) { return n.ran ? '<span title="compile ' + dur(n.comp) + '">' + dur(n.dur) + '</span>' : '-'; } },
    { key: 'waited', title: 'waited on', tip: 'the upstream node that finished last before it started',
      get: function (n) { var w = waitedName(n); return w && w.toLowerCase(); },
      cell: function (n) { var w = waitedName(n); return w ? esc(w) : (n.queue != null ? '<span class="mat">run start</span>' : ''); } }
  ];
  // rows affected, where the engine gives a count (adapter_response: not Spark's models)
  if (nodes.some(function (n) { return n.rows != null; })) {
    cols.push({ key: 'rows', title: 'rows', num: true, tip: 'rows affected (adapter_response)', get: function (n) { return n.rows; },
      cell: function (n) { return n.rows == null ? '' : String(n.rows); } });
  }
  if (jobs) {
    cols.push({ key: 'bytes', title: 'processed', num: true, tip: 'bytes processed by the job', get: function (n) { return n.bytes; },
      cell: function (n) { return n.bytes_text ? esc(n.bytes_text) : ''; } });
    cols.push({ key: 'job', title: 'job', get: function (n) { return n.job; }, cell: function (n) { return '<span class="job">' + esc(n.job || '') + '</span>'; } });
  }
  if (history) {
    cols.push({ key: 'change', title: 'vs previous', num: true, tip: 'this run against the median of the previous runs',
      get: function (n) { return n.change; },
      cell: function (n) {
        if (n.median == null) return '';
        var cls = n.change > 0.1 ? 'slower' : n.change < -0.1 ? 'faster' : '';
        return '<span class="' + cls + '">' + esc(n.change_text) + '</span><br><span class="mat">median ' + dur(n.median) + ' of ' + n.previous.length + '</span>';
      } });
  }
  cols.push({ key: 'msg', title: 'message', get: function (n) { return n.msg; },
    cell: function (n) { return n.msg ? '<div class="msg">' + esc(n.msg) + '</div>' : ''; } });
  var colOf = {};
  cols.forEach(function (c) { colOf[c.key] = c; });

  function sorted(list) {
    var c = colOf[S.sort] || colOf.start, sign = S.desc ? -1 : 1;
    return list.map(function (n) { return [c.get(n), n]; }).sort(function (a, b) {
      var x = a[0], y = b[0];
      if (x == null || y == null) { if (x != null) return -1; if (y != null) return 1; }
      else if (x < y) return -sign;
      else if (x > y) return sign;
      return a[1].at - b[1].at || (a[1].id < b[1].id ? -1 : 1);
    }).map(function (p) { return p[1]; });
  }

  function draw() {
    var list = sorted(DW.matching());
    var page = list.slice(0, S.limit);
    var o = ['<p class="count" id="count">' + list.length + ' of ' + nodes.length + ' nodes' +
      (list.length > page.length ? ', the first ' + page.length + ' shown' : '') + '</p>'];
    o.push('<table id="nodes"><thead><tr>');
    cols.forEach(function (c) {
      var mark = S.sort === c.key ? (S.desc ? ' &#9660;' : ' &#9650;') : '';
      o.push('<th data-key="' + c.key + '"' + (c.num ? ' class="num"' : '') + (c.tip ? ' title="' + esc(c.tip) + '"' : '') + '>' + c.title + mark + '</th>');
    });
    o.push('</tr></thead><tbody>');
    page.forEach(function (n) {
      o.push('<tr data-uid="' + esc(n.id) + '"' + (n.id === S.focus ? ' class="focus"' : '') + '>');
      cols.forEach(function (c) { o.push('<td class="' + c.key + (c.num ? ' num' : '') + '">' + c.cell(n) + '</td>'); });
      o.push('</tr>');
    });
    o.push('</tbody></table>');
    if (list.length > page.length) o.push('<button id="more">show ' + Math.min(1000, list.length - page.length) + ' more</button>');
    host.innerHTML = o.join('');
  }

  function bind(changed, focus) {
    host.addEventListener('click', function (e) {
      var th = e.target.closest('th');
      if (th) {
        var key = th.getAttribute('data-key');
        if (S.sort === key) S.desc = !S.desc;
        else { S.sort = key; S.desc = !!(colOf[key] && colOf[key].num && key !== 'start'); }
        changed();
        return;
      }
      if (e.target.id === 'more') { S.limit += 1000; draw(); return; }
      var tr = e.target.closest('tr[data-uid]');
      if (tr && !window.getSelection().toString()) focus(tr.getAttribute('data-uid'));
    });
  }

  return { draw: draw, bind: bind };
})();

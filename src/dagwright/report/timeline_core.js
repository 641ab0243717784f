/* dagwright timeline: the data, the view's state, the URL fragment that sets it. */
var DW = (function () {
  'use strict';
  var scriptStart = performance.now();
  var data = JSON.parse(document.getElementById('dw-data').textContent);
  var nodes = data.nodes;
  var byId = {};
  var laneLabel = {};
  data.lanes.forEach(function (l) { laneLabel[l.id] = l.label; });
  nodes.forEach(function (n, i) {
    n.i = i;
    byId[n.id] = n;
    n.ran = n.start != null && n.end != null;
    n.dur = n.ran ? n.end - n.start : null;
    n.queue = n.ran && n.ready != null ? Math.max(0, n.start - n.ready) : null;
    n.comp = n.ran && n.cend != null ? Math.max(0, Math.min(n.cend, n.end) - n.start) : 0;
    n.thread = laneLabel[n.lane] || n.lane;
    n.key = (n.name + ' ' + n.id).toLowerCase();
    n.at = n.ran ? n.start : (n.decided || 0);
  });
  var span = data.span > 0 ? data.span : 1;

  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }
  function secs(v) { return v == null ? '-' : v.toFixed(2) + 's'; }
  function dur(v) {
    if (v == null) return '-';
    if (v < 0.0005) return '0s';
    if (v >= 60) { var m = Math.floor(v / 60); return m + 'm' + String(Math.round(v - m * 60)).padStart(2, '0') + 's'; }
    return v < 0.1 ? v.toFixed(3) + 's' : v.toFixed(2) + 's';
  }

  var state = {
    q: '', status: [], type: [], tag: [], thread: [], crit: false,
    from: 0, to: span, sort: 'start', desc: false, limit: 200, focus: null, chartOnly: false, audit: false
  };

  function list(v) { return v ? v.split(',').filter(Boolean) : []; }

  /* #q=orders&status=error,fail&type=test&tag=nightly&thread=Thread-2&crit=1&from=2&to=5&zoom=4&at=3&sort=-dur */
  function readHash() {
    var h = location.hash.replace(/^#/, '');
    if (h === 'chart') { state.chartOnly = true; return; }
    var p = new URLSearchParams(h);
    state.q = p.get('q') || '';
    state.status = list(p.get('status'));
    state.type = list(p.get('type'));
    state.tag = list(p.get('tag'));
    state.thread = list(p.get('thread'));
    state.crit = p.get('crit') === '1';
    state.chartOnly = p.get('chart') === '1';
    state.focus = p.get('focus');
    state.audit = p.get('audit') === '1';
    var from = parseFloat(p.get('from')), to = parseFloat(p.get('to'));
    state.from = 0; state.to = span;
    if (!isNaN(from) && !isNaN(to) && to > from) { setWindow(from, to); }
    var zoom = parseFloat(p.get('zoom'));
    if (!isNaN(zoom) && zoom >= 1) {
      var at = parseFloat(p.get('at'));
      zoomBy(1 / zoom, isNaN(at) ? (state.from + state.to) / 2 : at);
    }
    var sort = p.get('sort');
    if (sort) { state.desc = sort.charAt(0) === '-'; state.sort = sort.replace(/^-/, ''); }
  }

  function writeHash() {
    var p = [];
    function add(k, v) { if (v !== '' && v != null) p.push(k + '=' + encodeURIComponent(v).replace(/%2C/g, ',')); }
    add('q', state.q);
    ['status', 'type', 'tag', 'thread'].forEach(function (k) { add(k, state[k].join(',')); });
    if (state.crit) add('crit', '1');
    if (state.from > 0 || state.to < span) { add('from', +state.from.toFixed(4)); add('to', +state.to.toFixed(4)); }
    if (state.sort !== 'start' || state.desc) add('sort', (state.desc ? '-' : '') + state.sort);
    if (state.chartOnly) add('chart', '1');
    var h = p.join('&');
    if (history.replaceState) history.replaceState(null, '', h ? '#' + h : location.pathname + location.search);
  }

  function setWindow(from, to) {
    var minW = Math.max(span / 100000, 1e-4);
    if (to - from < minW) { var c = (from + to) / 2; from = c - minW / 2; to = c + minW / 2; }
    if (to - from > span) { from = 0; to = span; }
    if (from < 0) { to -= from; from = 0; }
    if (to > span) { from -= to - span; to = span; }
    state.from = Math.max(0, from); state.to = Math.min(span, to);
  }
  function zoomBy(factor, at) {
    var w = (state.to - state.from) * factor;
    var f = (at - state.from) / (state.to - state.from);
    if (!(f >= 0 && f <= 1)) f = 0.5;
    setWindow(at - w * f, at - w * f + w);
  }
  function panBy(seconds) { setWindow(state.from + seconds, state.to + seconds); }

  var filtering = function () {
    return state.status.length || state.type.length || state.tag.length || state.thread.length || state.crit;
  };
  function matches(n) {
    if (state.q && n.key.indexOf(state.q.toLowerCase()) < 0) return false;
    if (state.status.length && state.status.indexOf(n.status) < 0) return false;
    if (state.type.length && state.type.indexOf(n.type) < 0) return false;
    if (state.thread.length && state.thread.indexOf(n.thread) < 0 && state.thread.indexOf(n.lane) < 0) return false;
    if (state.crit && !n.crit) return false;
    if (state.tag.length) {
      var tags = n.tags || [];
      if (!state.tag.some(function (t) { return tags.indexOf(t) >= 0; })) return false;
    }
    return true;
  }
  function matching() { return nodes.filter(matches); }

  function tooltip(n) {
    var l = [n.id, 'type: ' + n.type + (n.mat ? ' (' + n.mat + ')' : ''), 'status: ' + n.status];
    if (n.ran) {
      l.push('thread: ' + n.thread);
      l.push('started +' + n.start.toFixed(3) + 's, ended +' + n.end.toFixed(3) + 's');
      l.push('ran ' + dur(n.dur) + ' (compile ' + dur(n.comp) + ', execute ' + dur(n.dur - n.comp) + ')');
      if (n.queue != null) {
        var why = n.waited ? 'ready when ' + (byId[n.waited] ? byId[n.waited].name : n.waited) +
          ' finished at +' + n.ready.toFixed(3) + 's' : 'ready at the start of the run';
        l.push(why + '; queued ' + dur(n.queue) + ' for a thread');
      }
    } else if (n.decided != null) {
      l.push('decided at +' + n.decided.toFixed(3) + 's (never started)');
    }
    if (n.median != null) l.push('previous runs: median ' + dur(n.median) + ' (' + n.previous.length + ' runs); this run ' + n.change_text);
    if (n.rows != null) l.push('rows affected: ' + n.rows);
    if (n.failures != null) l.push('failures: ' + n.failures);
    if (n.bytes_text) l.push('bytes processed: ' + n.bytes_text);
    if (n.job) l.push('job: ' + n.job);
    if (n.rel) l.push('relation: ' + n.rel);
    if (n.tags) l.push('tags: ' + n.tags.join(', '));
    if (n.crit) l.push('on the critical path');
    if (n.msg) l.push('message: ' + n.msg);
    return l.join('\n');
  }

  return {
    scriptStart: scriptStart, data: data, nodes: nodes, byId: byId, span: span, state: state, esc: esc, secs: secs, dur: dur,
    readHash: readHash, writeHash: writeHash, setWindow: setWindow, zoomBy: zoomBy, panBy: panBy,
    matches: matches, matching: matching, filtering: filtering, tooltip: tooltip,
    colour: function (s) { return data.colours[s] || '#6e7781'; }
  };
})();

// The documentation site's script: reads the page's embedded data, draws the node list, a
// node's page or the overview, and lineage graphs you can pan (drag), zoom (wheel, buttons)
// and search. The view is the URL fragment: #node=<unique_id>&q=<search>&depth=<n>.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var ORDER = ["model", "source", "seed", "snapshot", "analysis", "exposure", "test", "unit_test"];
  var byId = new Map();
  var children = new Map();
  data.nodes.forEach(function (n) { byId.set(n.id, n); children.set(n.id, []); });
  data.nodes.forEach(function (n) {
    n.deps.forEach(function (d) { if (children.has(d)) children.get(d).push(n.id); });
  });
  var SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var kid = arguments[i];
      if (kid === null || kid === undefined) continue;
      node.appendChild(typeof kid === "string" ? document.createTextNode(kid) : kid);
    }
    return node;
  }
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function state() {
    var p = new URLSearchParams(location.hash.slice(1));
    return { node: p.get("node"), q: p.get("q") || "", depth: parseInt(p.get("depth") || "2", 10) };
  }
  function href(next) {
    var p = new URLSearchParams();
    if (next.node) p.set("node", next.node);
    if (next.q) p.set("q", next.q);
    if (next.depth && next.depth !== 2) p.set("depth", String(next.depth));
    return "#" + p.toString();
  }
  function matches(n, q) {
    var terms = q.toLowerCase().split(/\s+/).filter(Boolean);
    return terms.every(function (t) {
      if (t.indexOf("tag:") === 0) return n.tags.some(function (g) { return g.toLowerCase() === t.slice(4); });
      if (t.indexOf("type:") === 0) return n.type === t.slice(5);
      if (t.indexOf("status:") === 0) return !!n.run && n.run.status === t.slice(7);
      return n.name.toLowerCase().indexOf(t) >= 0 || n.id.toLowerCase().indexOf(t) >= 0;
    });
  }
  function statusBadge(run) {
    if (!run) return el("span", { "class": "badge none", text: "not run" });
    var secs = typeof run.seconds === "number" ? " · " + run.seconds.toFixed(2) + "s" : "";
    return el("span", { "class": "badge s-" + run.status, text: run.status + secs });
  }

  function renderList(s) {
    var list = document.getElementById("list");
    list.textContent = "";
    var shown = data.nodes.filter(function (n) { return matches(n, s.q); });
    ORDER.forEach(function (type) {
      var group = shown.filter(function (n) { return n.type === type; });
      if (!group.length) return;
      group.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
      var ul = el("ul");
      group.forEach(function (n) {
        var a = el("a", { href: href({ node: n.id, q: s.q }), "data-id": n.id, title: n.id, text: n.name });
        if (n.run) a.className = "s-" + n.run.status;
        if (n.id === s.node) a.classList.add("current");
        ul.appendChild(el("li", null, a));
      });
      list.appendChild(el("section", { "data-type": type }, el("h3", { text: type + " (" + group.length + ")" }), ul));
    });
    if (!shown.length) list.appendChild(el("p", { "class": "empty", text: "No node matches." }));
    list.setAttribute("data-count", String(shown.length));
  }

  // -- lineage: layered layout, pan and zoom -------------------------------------------------
  function neighbourhood(id, depth) {
    var keep = new Set([id]);
    [[id], [id]].forEach(function (start, up) {
      var frontier = start;
      for (var d = 0; d < depth && frontier.length; d++) {
        var next = [];
        frontier.forEach(function (f) {
          var near = up ? (byId.get(f) || { deps: [] }).deps : children.get(f) || [];
          near.forEach(function (m) {
            if (!keep.has(m) && byId.get(m).type !== "test") { keep.add(m); next.push(m); }
          });
        });
        frontier = next;
      }
    });
    return Array.from(keep);
  }
  function layout(ids) {
    var inSet = new Set(ids);
    var layer = new Map();
    function depthOf(id, seen) {
      if (layer.has(id)) return layer.get(id);
      if (seen.has(id)) return 0;
      seen.add(id);
      var deps = byId.get(id).deps.filter(function (d) { return inSet.has(d); });
      var value = deps.length ? 1 + Math.max.apply(null, deps.map(function (d) { return depthOf(d, seen); })) : 0;
      layer.set(id, value);
      return value;
    }
    ids.forEach(function (id) { depthOf(id, new Set()); });
    var layers = [];
    ids.forEach(function (id) { var l = layer.get(id); (layers[l] = layers[l] || []).push(id); });
    layers.forEach(function (l) { l.sort(function (a, b) { return byId.get(a).name < byId.get(b).name ? -1 : 1; }); });
    var pos = new Map();
    function place() { layers.forEach(function (l) { l.forEach(function (id, i) { pos.set(id, i); }); }); }
    place();
    for (var sweep = 0; sweep < 2; sweep++) {
      for (var i = 1; i < layers.length; i++) {
        var centre = new Map();
        layers[i].forEach(function (id) {
          var deps = byId.get(id).deps.filter(function (d) { return inSet.has(d); });
          centre.set(id, deps.length ? deps.reduce(function (t, d) { return t + pos.get(d); }, 0) / deps.length : pos.get(id));
        });
        layers[i].sort(function (a, b) { return centre.get(a) - centre.get(b); });
        place();
      }
    }
    var boxes = new Map();
    layers.forEach(function (l, li) {
      l.forEach(function (id, i) { boxes.set(id, { x: 20 + li * 230, y: 20 + i * 38, w: 180, h: 26 }); });
    });
    return boxes;
  }
  function lineage(ids, focus, q) {
    var boxes = layout(ids);
    var width = 0, height = 0;
    boxes.forEach(function (b) { width = Math.max(width, b.x + b.w + 20); height = Math.max(height, b.y + b.h + 20); });
    var svg = svgEl("svg", { "class": "lineage", role: "img", "aria-label": "lineage graph" });
    var view = { x: 0, y: 0, w: Math.max(width, 400), h: Math.max(height, 120) };
    var fitted = { x: view.x, y: view.y, w: view.w, h: view.h };
    function apply() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
    apply();
    var edges = svgEl("g", { "class": "edges" });
    var nodes = svgEl("g", { "class": "nodes" });
    svg.appendChild(edges);
    svg.appendChild(nodes);
    boxes.forEach(function (b, id) {
      byId.get(id).deps.forEach(function (d) {
        var a = boxes.get(d);
        if (!a) return;
        var x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2, mx = (x1 + x2) / 2;
        edges.appendChild(svgEl("path", { d: "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + x2 + "," + y2 }));
      });
      var n = byId.get(id);
      var g = svgEl("g", { "class": "node t-" + n.type + (n.run ? " s-" + n.run.status : "") + (id === focus ? " focus" : ""), "data-id": id, transform: "translate(" + b.x + "," + b.y + ")" });
      if (q && matches(n, q)) g.classList.add("match");
      var title = svgEl("title");
      title.textContent = n.id;
      g.appendChild(title);
      g.appendChild(svgEl("rect", { width: b.w, height: b.h, rx: 5 }));
      var label = svgEl("text", { x: 8, y: 17 });
      label.textContent = n.name.length > 24 ? n.name.slice(0, 23) + "\u2026" : n.name;
      g.appendChild(label);
      g.addEventListener("click", function () { location.hash = href({ node: id, q: state().q, depth: state().depth }); });
      nodes.appendChild(g);
    });
    svg.addEventListener("wheel", function (e) {
      e.preventDefault();
      var r = svg.getBoundingClientRect();
      var px = view.x + (e.clientX - r.left) / r.width * view.w, py = view.y + (e.clientY - r.top) / r.height * view.h;
      var k = e.deltaY > 0 ? 1.15 : 1 / 1.15;
      view = { x: px - (px - view.x) * k, y: py - (py - view.y) * k, w: view.w * k, h: view.h * k };
      apply();
    }, { passive: false });
    var drag = null;
    svg.addEventListener("pointerdown", function (e) { drag = { x: e.clientX, y: e.clientY, v: { x: view.x, y: view.y } }; });
    window.addEventListener("pointerup", function () { drag = null; });
    svg.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var r = svg.getBoundingClientRect();
      view.x = drag.v.x - (e.clientX - drag.x) / r.width * view.w;
      view.y = drag.v.y - (e.clientY - drag.y) / r.height * view.h;
      apply();
    });
    function zoom(k) {
      var cx = view.x + view.w / 2, cy = view.y + view.h / 2;
      view = { x: cx - view.w * k / 2, y: cy - view.h * k / 2, w: view.w * k, h: view.h * k };
      apply();
    }
    var tools = el("div", { "class": "tools" },
      button("+", function () { zoom(1 / 1.25); }), button("\u2212", function () { zoom(1.25); }),
      button("fit", function () { view = { x: fitted.x, y: fitted.y, w: fitted.w, h: fitted.h }; apply(); }));
    svg.style.height = Math.min(Math.max(height, 140), 560) + "px";
    return el("div", { "class": "graph", "data-nodes": String(boxes.size) }, tools, svg);
  }
  function button(text, action) {
    var b = el("button", { type: "button", text: text });
    b.addEventListener("click", action);
    return b;
  }

  // -- pages ------------------------------------------------------------------------------------
  function link(id, s) {
    var n = byId.get(id);
    return el("a", { href: href({ node: id, q: s.q, depth: s.depth }), title: id, text: n ? n.name : id });
  }
  function linkList(ids, s) {
    if (!ids.length) return el("p", { "class": "empty", text: "none" });
    var ul = el("ul", { "class": "links" });
    ids.forEach(function (id) { ul.appendChild(el("li", null, link(id, s), " ", el("small", { text: byId.get(id).type }))); });
    return ul;
  }
  function testBadges(tests) {
    var span = el("span", { "class": "tests" });
    tests.forEach(function (t) {
      span.appendChild(el("span", { "class": "test s-" + (t.status || "none"), title: t.id, text: t.name + (t.status ? " " + t.status : "") }));
    });
    return span;
  }
  function renderNode(n, s) {
    var main = document.getElementById("main");
    var facts = el("p", { "class": "facts" }, el("span", { "class": "badge", text: n.type }),
      n.materialized ? el("span", { "class": "badge", text: n.materialized }) : null,
      el("span", { "class": "badge", text: n.package }), statusBadge(n.run));
    if (data.timeline && n.run) facts.appendChild(el("a", { href: "timeline.html", text: "run timeline" }));
    main.appendChild(el("h1", { text: n.name }));
    main.appendChild(facts);
    if (n.relation) main.appendChild(el("p", null, "Relation: ", el("code", { text: n.relation })));
    if (n.path) main.appendChild(el("p", null, "File: ", el("code", { text: n.path })));
    if (n.run && n.run.message) main.appendChild(el("pre", { "class": "message", text: n.run.message }));
    main.appendChild(el("h2", { text: "Description" }));
    main.appendChild(el("p", { "class": "desc", text: n.desc || "No description." }));
    if (n.columns.length) {
      var table = el("table", { "class": "columns" }, el("tr", null, el("th", { text: "Column" }), el("th", { text: "Type" }), el("th", { text: "Description" }), el("th", { text: "Tests" })));
      n.columns.forEach(function (c) {
        var tests = n.tests.filter(function (t) { return t.column && t.column.toLowerCase() === String(c.name).toLowerCase(); });
        table.appendChild(el("tr", null, el("td", null, el("code", { text: c.name })), el("td", { text: c.type }), el("td", { text: c.desc }), el("td", null, testBadges(tests))));
      });
      main.appendChild(el("h2", { text: "Columns" }));
      main.appendChild(table);
    }
    var other = n.tests.filter(function (t) { return !t.column; });
    if (other.length) { main.appendChild(el("h2", { text: "Tests" })); main.appendChild(testBadges(other)); }
    var depthPicker = el("select", { id: "depth" });
    [1, 2, 3, 99].forEach(function (d) {
      var o = el("option", { value: String(d), text: d === 99 ? "all" : String(d) });
      if (d === s.depth) o.selected = true;
      depthPicker.appendChild(o);
    });
    depthPicker.addEventListener("change", function () { location.hash = href({ node: n.id, q: s.q, depth: parseInt(depthPicker.value, 10) }); });
    main.appendChild(el("h2", null, "Lineage ", el("small", null, "depth ", depthPicker)));
    main.appendChild(lineage(neighbourhood(n.id, s.depth), n.id, s.q));
    main.appendChild(el("div", { "class": "two" },
      el("div", null, el("h2", { text: "Depends on" }), linkList(n.deps, s)),
      el("div", null, el("h2", { text: "Referenced by" }), linkList(children.get(n.id) || [], s))));
    [["Code", n.raw], ["Compiled code", n.compiled]].forEach(function (pair) {
      if (pair[1]) main.appendChild(el("details", null, el("summary", { text: pair[0] }), el("pre", { text: pair[1] })));
    });
  }
  function renderOverview(s) {
    var main = document.getElementById("main");
    main.appendChild(el("h1", { text: data.project || "dbt project" }));
    var counts = el("ul", { "class": "counts" });
    ORDER.forEach(function (type) {
      var count = data.nodes.filter(function (n) { return n.type === type; }).length;
      if (count) counts.appendChild(el("li", null, el("a", { href: href({ q: "type:" + type }), text: count + " " + type + (count > 1 ? "s" : "") })));
    });
    main.appendChild(counts);
    var statuses = {};
    data.nodes.forEach(function (n) { if (n.run) statuses[n.run.status] = (statuses[n.run.status] || 0) + 1; });
    var keys = Object.keys(statuses).sort();
    if (keys.length) {
      var p = el("p", { "class": "facts" }, "Latest run" + (data.run && data.run.command ? " (" + data.run.command + ")" : "") + ": ");
      keys.forEach(function (k) { p.appendChild(el("a", { "class": "badge s-" + k, href: href({ q: "status:" + k }), text: statuses[k] + " " + k })); });
      if (data.timeline) p.appendChild(el("a", { href: "timeline.html", text: "run timeline" }));
      main.appendChild(p);
    }
    if (!data.catalog) main.appendChild(el("p", { "class": "empty", text: "No catalog.json: column types come from the YAML (run `dagwright docs generate`)." }));
    var graphIds = data.nodes.filter(function (n) { return n.type !== "test" && n.type !== "unit_test"; }).map(function (n) { return n.id; });
    main.appendChild(el("h2", { text: "Lineage" }));
    if (graphIds.length <= 600) main.appendChild(lineage(graphIds, null, s.q));
    else main.appendChild(el("p", { "class": "empty", text: graphIds.length + " nodes: pick one in the list to see its lineage." }));
  }
  function render() {
    var s = state();
    var search = document.getElementById("search");
    if (document.activeElement !== search) search.value = s.q;
    var main = document.getElementById("main");
    main.textContent = "";
    var n = s.node ? byId.get(s.node) : null;
    if (s.node && !n) main.appendChild(el("p", { "class": "empty", text: "No node " + s.node + " in this project." }));
    if (n) renderNode(n, s); else renderOverview(s);
    main.setAttribute("data-view", n ? n.id : "overview");
    renderList(s);
  }
  var home = document.getElementById("home");
  home.textContent = data.project || "docs";
  document.getElementById("meta").textContent = [data.engine, data.generator, data.generated_at].filter(Boolean).join(" · ");
  if (data.timeline) document.getElementById("links").appendChild(el("a", { href: "timeline.html", text: "timeline" }));
  var timer = null;
  document.getElementById("search").addEventListener("input", function (e) {
    clearTimeout(timer);
    timer = setTimeout(function () { var s = state(); location.hash = href({ node: s.node, q: e.target.value, depth: s.depth }); }, 150);
  });
  window.addEventListener("hashchange", render);
  render();
})();

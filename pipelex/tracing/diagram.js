// The diagram view of graph.html: pipe runs and the stuffs flowing between them, laid out by dagre.
// Reads the graph embedded in #graph-data; draws an SVG in #diagram; a click shows a node's details.
// Controllers are groups (dagre compound nodes); a controller with many children (a long batch) shows the
// first few and one "+N more" group that reveals more on click; failures are red, checked outcomes dashed,
// the selected condition outcome is marked. The result is recorded on #diagram (data-state, data-nodes,
// data-edges, data-error) so a headless browser can check it.
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var SHOW_FIRST = 5, FOLD_OVER = 12, REVEAL_STEP = 50, GROUP_TITLE = 22;
  var host = document.getElementById("diagram");
  var details = document.getElementById("diagram-details");
  if (!host) { return; }

  function fail(message) {
    host.setAttribute("data-state", "error");
    host.setAttribute("data-error", String(message));
    host.textContent = "The diagram could not be drawn: " + message + " (the tree below has every run).";
  }
  window.addEventListener("error", function (event) { fail(event.message); });
  if (typeof dagre === "undefined") { fail("the layout library is missing"); return; }

  var graph;
  try { graph = JSON.parse(document.getElementById("graph-data").textContent); }
  catch (e) { fail("the embedded graph is unreadable"); return; }

  var byId = {}, children = {}, parentOf = {}, selected = {}, outside = {};
  graph.nodes.forEach(function (n) { byId[n.id] = n; });
  // runs folded out of the graph held in memory (huge batches): counted, in graph.json only
  (graph.folded || []).forEach(function (f) { outside[f.parent] = f.runs; });
  graph.edges.forEach(function (e) {
    if (e.kind === "contains" && byId[e.source] && byId[e.target] && !parentOf[e.target]) {
      (children[e.source] = children[e.source] || []).push(e.target);
      parentOf[e.target] = e.source;
    } else if (e.kind === "selected_outcome") {
      selected[e.target] = e.label || "selected";
    }
  });
  var roots = graph.nodes.filter(function (n) { return !parentOf[n.id]; }).map(function (n) { return n.id; });
  var failedBelow = {};
  graph.nodes.forEach(function (n) {
    if (n.status !== "failed") { return; }
    for (var id = n.id; id && !failedBelow[id]; id = parentOf[id]) { failedBelow[id] = true; }
  });
  var revealed = {};  // controller id -> how many children are shown beyond the first ones

  function visibleChildren(id) {
    var kids = children[id] || [];
    if (kids.length <= FOLD_OVER) { return {shown: kids, hidden: 0}; }
    var limit = SHOW_FIRST + (revealed[id] || 0);
    var shown = kids.filter(function (k, i) { return i < limit || failedBelow[k]; });
    return {shown: shown, hidden: kids.length - shown.length};
  }

  function label(n) {
    var text = n.pipe_code;
    if (n.kind === "operator") { text += "\n" + n.pipe_type; }
    return text;
  }
  function concept(item) { return item.concept + (item.multiplicity === "list" ? "[]" : ""); }
  function textWidth(text) {
    return Math.max.apply(null, text.split("\n").map(function (l) { return l.length; })) * 7.2 + 24;
  }
  function esc(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function duration(n) {
    var d = n.timing && n.timing.duration;
    if (d === null || d === undefined) { return "—"; }
    return d < 10 ? (d * 1000).toFixed(0) + " ms" : d.toFixed(1) + " s";
  }

  function build() {
    var g = new dagre.graphlib.Graph({compound: true, multigraph: true});
    g.setGraph({rankdir: "TB", nodesep: 18, ranksep: 40, marginx: 12, marginy: 34});
    g.setDefaultEdgeLabel(function () { return {}; });
    var shown = {}, count = {nodes: 0, edges: 0}, drawnKids = {};
    // where a flow enters or leaves a controller: its first/last step (sequence), or every branch/item
    function boundary(id, last) {
      var kids = drawnKids[id];
      if (!kids || !kids.length) { return [id]; }
      if (byId[id].pipe_type === "PipeSequence") { return boundary(kids[last ? kids.length - 1 : 0], last); }
      return kids.reduce(function (all, k) { return all.concat(boundary(k, last)); }, []);
    }
    function addRun(id, parent) {
      var n = byId[id];
      shown[id] = true;
      var kids = visibleChildren(id);
      if ((children[id] || []).length) {
        g.setNode(id, {kind: "group", run: n, label: n.pipe_code + " · " + n.pipe_type});
      } else {
        var text = label(n);
        g.setNode(id, {kind: "run", run: n, label: text, width: textWidth(text), height: 40});
      }
      count.nodes += 1;
      if (parent) { g.setParent(id, parent); }
      kids.shown.forEach(function (k) { addRun(k, id); });
      drawnKids[id] = kids.shown.slice();
      if (kids.hidden > 0 || outside[id]) {
        drawnKids[id].push("more:" + id);
        var more = "more:" + id;
        var moreText = "+" + kids.hidden.toLocaleString() + " more runs";
        if (outside[id]) { moreText += " (+" + outside[id].toLocaleString() + " in graph.json)"; }
        g.setNode(more, {kind: "more", owner: id, hidden: kids.hidden, label: moreText,
                         width: textWidth(moreText), height: 30});
        g.setParent(more, id);
        count.nodes += 1;
      }
    }
    roots.forEach(function (r) { addRun(r, null); });

    // the stuffs: one node per output that another run reads, and one per input of the run given from outside
    var stuffNodes = {};
    function stuff(key, text, parent, cls) {
      if (!stuffNodes[key]) {
        stuffNodes[key] = true;
        g.setNode(key, {kind: "stuff", cls: cls, label: text, width: textWidth(text), height: 24});
        if (parent) { g.setParent(key, parent); }
        count.nodes += 1;
      }
      return key;
    }
    function commonParent(a, b) {
      var seen = {};
      for (var x = parentOf[a]; x; x = parentOf[x]) { seen[x] = true; }
      for (var y = parentOf[b]; y; y = parentOf[y]) { if (seen[y]) { return y; } }
      return null;
    }
    function link(from, to, name) {
      if (from !== to && !g.hasEdge(from, to, name)) { g.setEdge(from, to, {kind: "data"}, name); count.edges += 1; }
    }
    graph.edges.forEach(function (e) {
      if (e.kind !== "data" || !shown[e.source] || !shown[e.target]) { return; }
      var producer = byId[e.source];
      var out = producer.outputs.filter(function (o) { return o.digest === e.stuff_digest; })[0];
      var key = "stuff:" + e.source + ":" + (e.stuff_digest || e.label);
      stuff(key, (e.label || "") + ": " + (out ? concept(out) : "?"), commonParent(e.source, e.target), "");
      boundary(e.source, true).forEach(function (leaf) { link(leaf, key, "out"); });
      boundary(e.target, false).forEach(function (leaf) { link(key, leaf, "in"); });
    });
    roots.forEach(function (r) {
      byId[r].inputs.forEach(function (item) {
        var key = stuff("input:" + item.name, item.name + ": " + concept(item), null, "input");
        var readers = graph.nodes.filter(function (n) {
          return shown[n.id] && !(children[n.id] || []).length && n.inputs.some(function (i) {
            return i.digest && i.digest === item.digest && !graph.edges.some(function (e) {
              return e.kind === "data" && e.target === n.id && e.label === i.name;
            });
          });
        });
        var ids = readers.map(function (n) { return n.id; });
        if (!ids.length) { ids = boundary(r, false); }  // read as a whole list by a batch, or under another name
        ids.forEach(function (id) { link(key, id, "in"); });
      });
    });
    roots.forEach(function (r) {  // the run's result: from the last run that produced it
      if (!(children[r] || []).length) { return; }
      byId[r].outputs.forEach(function (item) {
        var producers = graph.nodes.filter(function (n) {
          return shown[n.id] && !(children[n.id] || []).length && n.status !== "checked" &&
            n.outputs.some(function (o) { return o.digest && o.digest === item.digest; });
        });
        var key = stuff("output:" + r + ":" + item.name, item.name + ": " + concept(item), null, "output");
        var from = producers.length ? [producers[producers.length - 1].id] : boundary(r, true);
        from.forEach(function (id) { link(id, key, "out"); });
      });
    });
    graph.edges.forEach(function (e) {
      if (e.kind === "selected_outcome" && shown[e.source] && shown[e.target]) {
        var target = e.target;
        if (!g.children(e.source).length && target !== e.source) {
          g.setEdge(e.source, target, {kind: "selected", label: e.label || "selected"}, e.id); count.edges += 1;
        }
      }
    });
    return {g: g, count: count};
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVGNS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function text(parent, x, y, content, cls) {
    var t = el("text", {x: x, y: y, "class": cls || "", "text-anchor": "middle"}, parent);
    content.split("\n").forEach(function (line, i) {
      var span = el("tspan", {x: x, dy: i === 0 ? 0 : 14}, t);
      span.textContent = line;
    });
    return t;
  }

  function show(run) {
    if (!details) { return; }
    var usage = run.usage || {};
    var models = Object.keys(usage.by_model || {}).map(function (k) {
      var m = usage.by_model[k]; return esc((m.model_id || m.model || k) + (m.backend ? " (" + m.backend + ")" : ""));
    });
    function rows(items) {
      if (!items.length) { return "<div class=\"muted\">none</div>"; }
      return items.map(function (i) {
        var data = i.data === null || i.data === undefined ? "" : JSON.stringify(i.data);
        if (data.length > 600) { data = data.slice(0, 600) + "…"; }
        return "<div class=\"d-item\"><b>" + esc(i.name) + "</b> <span class=\"concept\">" + esc(concept(i)) +
          "</span>" + (i.digest ? " <code class=\"digest\">#" + esc(i.digest.slice(0, 8)) + "</code>" : "") +
          (data ? "<pre>" + esc(data) + "</pre>" : "") + "</div>";
      }).join("");
    }
    var html = "<h3>" + esc(run.pipe_code) + " <span class=\"ptype\">" + esc(run.pipe_type) + "</span> " +
      "<span class=\"badge st-" + esc(run.status) + "\">" + esc(run.status) + "</span></h3>" +
      (run.description ? "<div class=\"desc\">" + esc(run.description) + "</div>" : "") +
      (selected[run.id] ? "<div class=\"tag tag-selected\">selected outcome: " + esc(selected[run.id]) + "</div>" : "") +
      "<div class=\"d-row\"><span class=\"io-dir\">time</span> " + esc(duration(run)) + "</div>" +
      (models.length ? "<div class=\"d-row\"><span class=\"io-dir\">model</span> " + models.join(", ") + "</div>" : "") +
      (usage.calls ? "<div class=\"d-row\"><span class=\"io-dir\">usage</span> " + esc(usage.calls) + " call(s), " +
        esc(usage.input_tokens || 0) + " in / " + esc(usage.output_tokens || 0) + " out tokens" +
        (usage.cost_usd !== undefined ? ", $" + esc(Number(usage.cost_usd).toFixed(6)) : "") + "</div>" : "") +
      (run.error ? "<pre class=\"error\">" + esc(run.error) + "</pre>" : "") +
      "<h4>inputs</h4>" + rows(run.inputs) + "<h4>outputs</h4>" + rows(run.outputs) +
      "<div class=\"d-row\"><a class=\"nodelink\" href=\"#" + esc(domId(run.id)) + "\">show in the tree</a></div>";
    details.innerHTML = html;
    details.hidden = false;
  }
  var domIds = {};
  graph.nodes.forEach(function (n, i) { domIds[n.id] = "node-" + i; });
  function domId(id) { return domIds[id] || ""; }

  var view = {x: 0, y: 0, w: 0, h: 0};
  function draw() {
    var built = build(), g = built.g;
    dagre.layout(g);
    host.innerHTML = "";
    var size = g.graph();
    var svg = el("svg", {"class": "diagram-svg", role: "img", "aria-label": "diagram of the pipe runs"}, host);
    view = {x: 0, y: 0, w: Math.max(size.width, 200), h: Math.max(size.height, 120)};
    function setView() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
    setView();
    svg.setAttribute("height", String(Math.min(Math.max(view.h, 240), 720)));
    var defs = el("defs", {}, svg);
    var marker = el("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7,
                               markerHeight: 7, orient: "auto-start-reverse"}, defs);
    el("path", {d: "M 0 0 L 10 5 L 0 10 z", "class": "arrowhead"}, marker);
    var layers = {groups: el("g", {}, svg), edges: el("g", {}, svg), nodes: el("g", {}, svg)};
    // groups, outermost first so inner ones are drawn on top
    var groups = g.nodes().filter(function (v) { return g.node(v).kind === "group"; });
    function depth(v) { var d = 0; for (var p = g.parent(v); p; p = g.parent(p)) { d += 1; } return d; }
    groups.sort(function (a, b) { return depth(a) - depth(b); });
    groups.forEach(function (v) {
      var n = g.node(v), run = n.run;
      var cls = "d-group st-" + run.status + (failedBelow[v] ? " has-failure" : "");
      var box = el("g", {"class": cls, "data-id": v, tabindex: 0}, layers.groups);
      // dagre sizes a group to its children: its title gets a band of its own above them
      el("rect", {x: n.x - n.width / 2, y: n.y - n.height / 2 - GROUP_TITLE, width: n.width,
                  height: n.height + GROUP_TITLE, rx: 8}, box);
      var t = el("text", {x: n.x - n.width / 2 + 10, y: n.y - n.height / 2 - GROUP_TITLE + 16,
                          "class": "d-group-label"}, box);
      t.textContent = n.label + (selected[v] ? "  ✓ " + selected[v] : "");
      box.addEventListener("click", function (ev) { ev.stopPropagation(); show(run); });
    });
    g.edges().forEach(function (e) {
      var edge = g.edge(e);
      var d = edge.points.map(function (p, i) { return (i ? "L" : "M") + p.x.toFixed(1) + " " + p.y.toFixed(1); });
      el("path", {d: d.join(" "), "class": "d-edge d-edge-" + edge.kind, "marker-end": "url(#arrow)"}, layers.edges);
      if (edge.kind === "selected") {
        var mid = edge.points[Math.floor(edge.points.length / 2)];
        var tl = el("text", {x: mid.x + 6, y: mid.y, "class": "d-edge-label"}, layers.edges);
        tl.textContent = "selected: " + edge.label;
      }
    });
    var drawn = 0;
    g.nodes().forEach(function (v) {
      var n = g.node(v);
      if (n.kind === "group") { drawn += 1; return; }
      var x = n.x - n.width / 2, y = n.y - n.height / 2;
      var cls = "d-node d-" + n.kind + (n.run ? " st-" + n.run.status : "") + (n.cls ? " d-" + n.cls : "") +
        (n.run && selected[v] ? " d-selected" : "");
      var box = el("g", {"class": cls, "data-id": v, tabindex: 0}, layers.nodes);
      el("rect", {x: x, y: y, width: n.width, height: n.height, rx: n.kind === "stuff" ? 12 : 6}, box);
      text(box, n.x, n.y + (n.label.indexOf("\n") >= 0 ? -3 : 4), n.label, "d-label");
      if (n.kind === "run") {
        box.addEventListener("click", function (ev) { ev.stopPropagation(); show(n.run); });
      } else if (n.kind === "more") {
        el("title", {}, box).textContent = "click to show " + Math.min(REVEAL_STEP, n.hidden) + " more";
        box.addEventListener("click", function (ev) {
          ev.stopPropagation();
          revealed[n.owner] = (revealed[n.owner] || 0) + REVEAL_STEP;
          draw();
        });
      }
      drawn += 1;
    });
    // pan (drag) and zoom (wheel), in the SVG's own coordinates
    var drag = null;
    svg.addEventListener("mousedown", function (ev) { drag = {x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y}; });
    window.addEventListener("mouseup", function () { drag = null; });
    svg.addEventListener("mousemove", function (ev) {
      if (!drag) { return; }
      var scale = view.w / svg.clientWidth;
      view.x = drag.vx - (ev.clientX - drag.x) * scale;
      view.y = drag.vy - (ev.clientY - drag.y) * scale;
      setView();
    });
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var factor = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
      var rect = svg.getBoundingClientRect();
      var px = view.x + (ev.clientX - rect.left) / rect.width * view.w;
      var py = view.y + (ev.clientY - rect.top) / rect.height * view.h;
      view.w *= factor; view.h *= factor;
      view.x = px - (px - view.x) * factor; view.y = py - (py - view.y) * factor;
      setView();
    }, {passive: false});
    host.setAttribute("data-state", "ready");
    host.setAttribute("data-nodes", String(drawn));
    host.setAttribute("data-edges", String(g.edges().length));
  }

  try { draw(); } catch (e) { fail(e && e.message ? e.message : e); }
})();

/* clausewise audit report: draws the page from the embedded JSON (report/htmldata.py). */
(function () {
  "use strict";
  // the data: gzip-compressed JSON in base64 (report/html.py embed_json), inflated by the browser itself
  var packed = document.getElementById("report-data").textContent;
  var binary = atob(packed), bytes = new Uint8Array(binary.length);
  for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).json().then(draw).catch(function (e) {
    document.getElementById("app").textContent = "clausewise report: cannot read its data (" + e + ")";
    throw e;
  });

function draw(D) {  // the whole page, from the data
  var T = D.texts;
  var STATUSES = ["pass", "fail", "unknown", "na"];
  var COLORS = { pass: "#2e7d32", fail: "#c62828", unknown: "#b58105", na: "#8a8f98" };

  function h(tag, attrs) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      if (Array.isArray(c)) c.forEach(function (x) { if (x) node.appendChild(x); });
      else node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }
  function n(x) { return Number(x).toLocaleString("en-US"); }
  function say(key, vars) {
    return T[key].replace(/\{(\w+)\}/g, function (_, v) { return vars[v]; });
  }
  function cites(list) { return list && list.length ? " [" + list.join(", ") + "]" : ""; }

  var app = document.getElementById("app");
  var head = D.head;
  app.appendChild(h("header", {},
    h("h1", { text: T.title + " · " + (head.policy || "") + " " + (head.version || "") }),
    h("div", { cls: "sub", text: T.as_of + " " + (head.as_of || "") + (head.effective_date ? " · " + T.effective_not_stated : "")
      + " · " + n(D.total) + " " + T.entities })));
  var sections = [["outcomes", T.outcomes], ["conditions", T.conditions], ["figures", T.figures]];
  if (D.compare) sections.push(["compare", T.compare]);
  sections.push(["entities", T.table], ["record", T.record]);
  app.appendChild(h("nav", {}, sections.map(function (s) { return h("a", { href: "#" + s[0], text: s[1] }); })));
  var main = h("main", {});
  app.appendChild(main);

  // ---- outcomes ------------------------------------------------------------------------------
  var outcomes = h("section", { id: "outcomes" }, h("h2", { text: T.outcomes }));
  var cards = h("div", { cls: "cards", id: "counts" },
    h("div", { cls: "card" }, h("div", { cls: "n", text: n(D.total) }), h("div", { text: T.entities })));
  if (D.compliance) {
    [["compliant", "pass"], ["not compliant", "fail"], ["undetermined", "unknown"]].forEach(function (c) {
      cards.appendChild(h("div", { cls: "card " + c[1], "data-count": c[0] },
        h("div", { cls: "n", text: n(D.compliance[c[0]] || 0) }), h("div", { text: T[c[0]] })));
    });
  }
  if (D.errors) cards.appendChild(h("div", { cls: "card fail", "data-count": "errors" },
    h("div", { cls: "n", text: n(D.errors) }), h("div", { text: T.errors })));
  outcomes.appendChild(cards);
  var fields = h("div", { cls: "outcomes" });
  var SHORT = 8;  // values listed before "all N values"
  D.outcomes.forEach(function (o, field) {
    var linked = field < D.table.outcomes.length;  // a value links to the table's rows when the table has the column
    var counts = o.counts.length > SHORT ? o.counts.slice().sort(function (a, b) { return b[1] - a[1]; }) : o.counts;
    var table = h("table", { "data-field": o.field },
      h("tr", {}, h("th", { text: o.label + " (" + o.field + ")" }), h("th", { cls: "num", text: T.count })),
      counts.map(function (c, k) {
        return h("tr", { style: k < SHORT ? "" : "display:none" },
          h("td", linked ? { cls: "link", text: c[0], onclick: function () { searchFor(o.field + "=" + c[0]); } } : { text: c[0] }),
          h("td", { cls: "num", text: n(c[1]) }));
      }));
    if (counts.length > SHORT) {
      table.appendChild(h("tr", {}, h("td", { cls: "link muted", text: say("all_values", { n: counts.length }), onclick: function () {
        Array.prototype.forEach.call(table.rows, function (r) { r.style.display = ""; });
        this.parentNode.style.display = "none";
      } })));
    }
    fields.appendChild(table);
  });
  outcomes.appendChild(fields);
  main.appendChild(outcomes);

  // ---- conditions ----------------------------------------------------------------------------
  var conditions = h("section", { id: "conditions" }, h("h2", { text: T.conditions }));
  var ctable = h("table", { id: "condition-counts" }, h("tr", {}, h("th", { text: T.condition }),
    STATUSES.map(function (s) { return h("th", { cls: "num s-" + s, text: T[s] }); }), h("th", {})));
  D.nodes.forEach(function (node) {
    var total = node.counts.reduce(function (a, b) { return a + b; }, 0) || 1;
    var label = h("td", { style: "padding-left:" + (node.depth * 16) + "px" }, node.label,
      h("span", { cls: "muted", text: cites(node.cites) }));
    ctable.appendChild(h("tr", { "data-node": node.id }, label,
      node.counts.map(function (c, i) {
        var cell = h("td", { cls: "num", text: n(c) });
        if (i === 1 && node.failing) { cell.className += " link"; cell.onclick = function () { searchFor(node.id); }; }
        return cell;
      }),
      h("td", {}, h("span", { cls: "bar" }, node.counts.map(function (c, i) {
        return h("span", { cls: "bg-" + STATUSES[i], style: "width:" + (100 * c / total) + "%" });
      })))));
  });
  conditions.appendChild(ctable);
  main.appendChild(conditions);

  // ---- figures -------------------------------------------------------------------------------
  var figures = h("section", { id: "figures" }, h("h2", { text: T.figures }));
  if (!D.charts.length) figures.appendChild(h("p", { cls: "muted", text: T.no_figures }));
  var grid = h("div", { cls: "charts" });
  var pending = [];
  D.charts.forEach(function (c) {
    var box = h("div", { cls: "chart", "data-node": c.node });
    var sub = n(c.count) + " " + T.entities + " · " + c.comparison + " " + T.bound + " " + c.bound_text +
      (c.relative ? " · " + T.relative : "");
    var near = h("details", { cls: "near" }, h("summary", { text: say("near", { near: D.near }) + ": " + n(c.near_count) }));
    if (c.near.length < c.near_count) near.appendChild(h("div", { cls: "muted", text: say("near_more", { n: c.near.length, total: n(c.near_count) }) }));
    near.appendChild(h("table", {}, h("tr", {}, [T.entity, T.observed, T.bound, T.gap, T.status].map(function (t) { return h("th", { text: t }); })),
      c.near.map(function (r) {
        return h("tr", {}, h("td", { cls: "link", text: r[0], onclick: function () { openEntity(r[0], true); } }),
          h("td", { cls: "num", text: r[1] }), h("td", { cls: "num", text: r[2] }), h("td", { cls: "num", text: r[3] }),
          h("td", { cls: "s-" + r[4], text: T[r[4]] }));
      })));
    grid.appendChild(h("div", { cls: "chartbox" }, h("h3", {}, c.label, h("span", { cls: "muted", text: cites(c.cites) })),
      h("div", { cls: "muted", text: sub }), box,
      (c.underflow || c.overflow) ? h("div", { cls: "muted", text: T.beyond }) : null, near));
    pending.push([box, c]);
  });
  figures.appendChild(grid);
  main.appendChild(figures);

  function unit(c) { return c.unit; }  // explain's word for it (htmldata.chart): none for a score, a rate or a %
  function edge(x, c) {
    if (c.relative || c.percent) return (Math.round(x * 100) / 100) + "%";
    return Math.abs(x) >= 1000 ? n(Math.round(x)) : String(Math.round(x * 1e6) / 1e6);
  }
  function drawChart(box, c) {
    var chart = echarts.init(box, null, { renderer: "svg" });
    var labels = c.bins.map(function (b) { return edge(b[0], c); });
    var at = 0;  // the bound is the left edge of bar 'at' (htmldata.bin_edges puts it on an edge)
    while (at < c.bins.length && c.bins[at][0] < c.bound - 1e-9 * Math.abs(c.bound || 1)) at++;
    var top = 28, bottom = 44;
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 40, top: top, bottom: bottom },
      legend: { data: [T.pass, T.fail], right: 0, top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (ps) {
        var b = c.bins[ps[0].dataIndex];
        return (c.right_closed ? "(" : "[") + edge(b[0], c) + ", " + edge(b[1], c) + (c.right_closed ? "]" : ")") + "<br>" + T.pass + " " + n(b[2]) + "<br>" + T.fail + " " + n(b[3]);
      } },
      xAxis: { type: "category", data: labels, name: c.relative || c.percent ? "%" : unit(c), nameLocation: "end",
        axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: T.pass, type: "bar", stack: "s", barCategoryGap: "8%", itemStyle: { color: COLORS.pass },
          data: c.bins.map(function (b) { return b[2]; }) },
        { name: T.fail, type: "bar", stack: "s", itemStyle: { color: COLORS.fail }, data: c.bins.map(function (b) { return b[3]; }) }
      ]
    });
    function placeBound() {  // a category axis puts a mark on a bar's middle: place the line in pixels, on the edge
      var x0 = chart.convertToPixel({ xAxisIndex: 0 }, 0), x1 = chart.convertToPixel({ xAxisIndex: 0 }, Math.min(1, c.bins.length - 1));
      var band = c.bins.length > 1 ? x1 - x0 : 0;
      var x = at < c.bins.length ? chart.convertToPixel({ xAxisIndex: 0 }, at) - band / 2
        : chart.convertToPixel({ xAxisIndex: 0 }, c.bins.length - 1) + band / 2;
      chart.setOption({ series: [{ markLine: { symbol: "none", silent: true, animation: false,
        lineStyle: { color: "#1f2a37", width: 2, type: "solid" },
        label: { formatter: T.bound + " " + c.bound_text, position: "end" },
        data: [[{ x: x, y: box.clientHeight - bottom }, { x: x, y: top - 4 }]] } }] });
    }
    placeBound();
    window.addEventListener("resize", function () { chart.resize(); placeBound(); });
  }
  function drawNext() {  // one chart a task, so the page answers while they are drawn
    var p = pending.shift();
    if (!p) return;
    drawChart(p[0], p[1]);
    setTimeout(drawNext, 0);
  }
  setTimeout(drawNext, 0);

  // ---- compare -------------------------------------------------------------------------------
  if (D.compare) {
    var C = D.compare;
    var cmp = h("section", { id: "compare" }, h("h2", { text: T.compare }),
      h("div", { cls: "cards" },
        h("div", { cls: "card fail", "data-count": "changed" }, h("div", { cls: "n", text: n(C.changed) }), h("div", { text: T.changed })),
        h("div", { cls: "card" }, h("div", { cls: "n", text: n(C.added) }), h("div", { text: T.added })),
        h("div", { cls: "card" }, h("div", { cls: "n", text: n(C.removed) }), h("div", { text: T.removed }))));
    cmp.appendChild(h("table", {}, h("tr", {}, h("th", { text: T.change }), h("th", { cls: "num", text: T.count })),
      C.transitions.map(function (t) { return h("tr", {}, h("td", { text: t[0] }), h("td", { cls: "num", text: n(t[1]) })); })));
    if (C.rows.length < C.changed) cmp.appendChild(h("div", { cls: "muted", text: say("changes_more", { n: C.rows.length }) }));
    cmp.appendChild(h("table", { id: "changes" }, h("tr", {}, h("th", { text: T.entity }), h("th", { text: T.change }), h("th", { text: T.conditions_changed })),
      C.rows.map(function (r) {
        return h("tr", {}, h("td", { cls: "link", text: r[0], onclick: function () { openEntity(r[0], true); } }),
          h("td", { text: r[1].map(function (x) { return x[0] + ": " + x[1] + " → " + x[2]; }).join("; ") }),
          h("td", { cls: "mono", text: r[2].map(function (x) { return x[0] + ": " + x[1] + " → " + x[2]; }).join("; ") }));
      })));
    if (C.removed_ids.length) cmp.appendChild(h("p", { cls: "muted", text: T.removed + ": " + C.removed_ids.join(", ") }));
    main.appendChild(cmp);
  }

  // ---- entity table (virtual scrolling) ------------------------------------------------------
  var TB = D.table, ROW = 26, rows = TB.entity.length;
  var cols = [{ key: "entity", label: T.entity, get: function (i) { return TB.entity[i]; } }];
  var COMPLIANCE = { c: ["compliant", "s-pass"], n: ["not compliant", "s-fail"], u: ["undetermined", "s-unknown"],
    e: ["error", "s-fail"] };
  if (TB.compliance) cols.push({ key: "compliance", label: T.compliance, get: function (i) { return T[COMPLIANCE[TB.compliance[i]][0]]; },
    cls: function (i) { return COMPLIANCE[TB.compliance[i]][1]; } });
  var fieldColumn = {};
  TB.outcomes.forEach(function (col, k) {
    var o = D.outcomes[k];
    fieldColumn[o.field] = col;
    cols.push({ key: "o" + k, label: o.label, get: function (i) { return col.values[col.codes[i]]; } });
  });
  cols.push({ key: "failing", label: T.failing, get: function (i) {
    return TB.failing[i].map(function (x) { return D.nodes[x].id; }).join(", "); }, sort: function (i) { return TB.failing[i].length; } });
  TB.figures.forEach(function (f) {
    var node = D.nodes[f.node];
    cols.push({ key: "f" + f.node, label: node.label, num: true, get: function (i) { return f.values[i]; },
      sort: function (i) { var v = f.values[i]; return v === "" ? -Infinity : parseFloat(v.replace(/[,≈]/g, "")); } });
  });
  var template = cols.map(function (c) { return c.num ? "minmax(70px, 1fr)" : c.key === "failing" ? "minmax(120px, 2fr)" : "minmax(70px, 1fr)"; }).join(" ");
  var haystack = null;
  function hay(i) {
    if (!haystack) haystack = new Array(rows);
    if (haystack[i] === undefined) haystack[i] = cols.map(function (c) { return c.get(i); }).join(" ").toLowerCase();
    return haystack[i];
  }
  var view = [], sortCol = null, desc = false, picked = null;
  var search = h("input", { id: "search", type: "search", placeholder: T.search });
  var countLine = h("div", { cls: "muted", id: "matching" });
  var headRow = h("div", { cls: "vt-head", style: "grid-template-columns:" + template });
  var vt = h("div", { cls: "vt", id: "entity-table" });
  var spacer = h("div", { style: "position:relative" });
  vt.appendChild(spacer);
  cols.forEach(function (c) {
    headRow.appendChild(h("div", { title: c.label, text: c.label, "data-col": c.key, onclick: function () {
      desc = sortCol === c ? !desc : false;
      sortCol = c;
      Array.prototype.forEach.call(headRow.children, function (x) { x.className = ""; });
      this.className = "sorted" + (desc ? " desc" : "");
      refresh();
    } }));
  });
  var explanation = h("div", { id: "explanation" }, h("p", { cls: "muted", text: T.pick }));
  var entitiesSection = h("section", { id: "entities" }, h("h2", { text: T.table }),
    D.sample < D.total ? h("div", { cls: "note", id: "sample-note", text: say("sample", { sample: n(D.sample), total: n(D.total) }) }) : null,
    h("div", { cls: "entities" }, h("div", {}, search, countLine, headRow, vt), explanation));
  main.appendChild(entitiesSection);

  function refresh() {
    // words match anywhere in a row; FIELD=VALUE matches an outcome column exactly
    var q = [], exact = [];
    search.value.trim().split(/\s+/).filter(Boolean).forEach(function (w) {
      var eq = w.indexOf("="), k = eq > 0 ? fieldColumn[w.slice(0, eq)] : undefined;
      if (k !== undefined) exact.push([k, w.slice(eq + 1)]); else q.push(w.toLowerCase());
    });
    view = [];
    for (var i = 0; i < rows; i++) {
      if (exact.every(function (e) { return e[0].values[e[0].codes[i]] === e[1]; }) &&
          q.every(function (w) { return hay(i).indexOf(w) >= 0; })) view.push(i);
    }
    if (sortCol) {
      var key = sortCol.sort || sortCol.get;
      var keys = view.map(function (i) { return key(i); });
      var order = view.map(function (_, k) { return k; });
      order.sort(function (a, b) {
        var x = keys[a], y = keys[b], r = x < y ? -1 : x > y ? 1 : 0;
        return desc ? -r : r;
      });
      view = order.map(function (k) { return view[k]; });
    }
    countLine.textContent = say("matching", { n: n(view.length), total: n(rows) });
    spacer.style.height = view.length * ROW + "px";
    vt.style.height = Math.min(520, Math.max(4, view.length) * ROW + 2) + "px";
    vt.scrollTop = 0;
    paint();
  }
  function paint() {
    var first = Math.max(0, Math.floor(vt.scrollTop / ROW) - 5);
    var last = Math.min(view.length, first + Math.ceil(vt.clientHeight / ROW) + 10);
    spacer.textContent = "";
    for (var k = first; k < last; k++) {
      (function (i, k) {
        var row = h("div", { cls: "vt-row" + (i === picked ? " picked" : ""), "data-entity": TB.entity[i],
          style: "top:" + k * ROW + "px;grid-template-columns:" + template, onclick: function () { show(i); } });
        cols.forEach(function (c) {
          var v = c.get(i);
          row.appendChild(h("div", { cls: (c.cls ? c.cls(i) : "") + (c.num ? " num" : ""), title: v, text: v }));
        });
        spacer.appendChild(row);
      })(view[k], k);
    }
  }
  var ticking = false;
  vt.addEventListener("scroll", function () {
    if (ticking) return;
    ticking = true;
    requestAnimationFrame(function () { ticking = false; paint(); });
  });
  var typing = null;
  search.addEventListener("input", function () { clearTimeout(typing); typing = setTimeout(refresh, rows > 20000 ? 200 : 0); });

  function show(i) {
    picked = i;
    paint();
    explanation.textContent = "";
    explanation.appendChild(h("h3", { text: T.explanation + " · " + TB.entity[i] }));
    explanation.appendChild(h("div", { cls: "muted", text: T.fold }));
    var lines = TB.lines[i].map(function (at) { return [D.lines[at][0], D.lines[at][1].split("\u0001").join(TB.entity[i])]; });
    var nodes = lines.map(function (l) {
      var indent = l[1].length - l[1].replace(/^ +/, "").length;
      var div = h("div", { cls: "ln" + (l[0] ? " head s-" + l[0] : ""), "data-status": l[0], text: l[1] });
      div._indent = indent;
      return div;
    });
    nodes.forEach(function (div, k) {
      if (div.classList.contains("head")) div.addEventListener("click", function () {
        var folded = div.classList.toggle("folded");
        for (var j = k + 1; j < nodes.length && nodes[j]._indent > div._indent; j++) nodes[j].style.display = folded ? "none" : "";
      });
      explanation.appendChild(div);
    });
  }
  function openEntity(id, scroll) {
    var i = TB.entity.indexOf(id);
    if (i < 0) { explanation.textContent = id + ": " + T.not_in_table; }
    else show(i);
    if (scroll) entitiesSection.scrollIntoView();
  }
  function searchFor(text) {
    search.value = text;
    refresh();
    entitiesSection.scrollIntoView();
  }

  // ---- decision record -----------------------------------------------------------------------
  var R = D.record, rec = h("section", { id: "record" }, h("h2", { text: T.record }));
  if (!R) rec.appendChild(h("p", { cls: "muted", text: T.no_record }));
  else {
    var dl = h("dl", { cls: "record" });
    function item(k, v) { dl.appendChild(h("dt", { text: k })); dl.appendChild(h("dd", {}, v)); }
    item(T.policy, R.policy.id + " " + R.policy.version + " · " + R.policy.file);
    if (R.policy.effective) item(T.effective, R.policy.effective === "not stated" ? T.effective_not_stated : R.policy.effective);
    item(T.sha256, h("span", { cls: "mono", text: R.policy.sha256 }));
    item(T.as_of, R.as_of);
    item(T.parameters, h("table", {}, Object.keys(R.parameters).map(function (k) {
      return h("tr", {}, h("td", { cls: "mono", text: k }), h("td", { text: R.parameters[k] })); })));
    item(T.data, h("table", {}, R.data.map(function (f) {
      return h("tr", {}, h("td", { text: f.table }), h("td", { text: f.path }), h("td", { cls: "mono muted", text: f.sha256 })); })));
    item(T.engine, Object.keys(R.engine).map(function (k) { return k + " " + R.engine[k]; }).join(", "));
    if (R.accounting) item(T.accounting, say("rows_line", { read: n(R.accounting.rows_read), used: n(R.accounting.rows_used), rejected: n(R.accounting.rows_rejected) }));
    if (R.verdicts) item(T.verdicts, h("span", {}, R.verdicts.path + " ", h("span", { cls: "mono muted", text: R.verdicts.sha256 })));
    if (R.generated_at) item(T.generated_at, R.generated_at);
    rec.appendChild(dl);
  }
  main.appendChild(rec);

  refresh();
}
})();

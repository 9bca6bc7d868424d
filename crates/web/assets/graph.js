// qinglian console: draws the network behind a finding (relationship path, co-bidding group)
// with ECharts from the element's data-graph attribute (JSON written by the server; no inline
// script, as the Content-Security-Policy demands). The list beside it says the same in words.
(function () {
  "use strict";
  function draw(el) {
    var g;
    try { g = JSON.parse(el.getAttribute("data-graph")); } catch (e) { el.setAttribute("data-error", String(e)); return; }
    var path = g.kind === "relation_path";
    var nodes = g.nodes.map(function (n, i) {
      var node = { id: n, name: n, symbolSize: 44, label: { show: true } };
      // A path is laid out left to right, staff first; a group in a circle.
      if (path) { node.x = i * 160; node.y = (i % 2) * 60; }
      return node;
    });
    var links = g.links.map(function (l) {
      return { source: l.source, target: l.target, value: l.label,
               label: { show: true, formatter: l.label, fontSize: 11 } };
    });
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { formatter: function (p) { return p.dataType === "edge" ? p.data.value : p.name; } },
      series: [{
        type: "graph",
        layout: path ? "none" : "circular",
        roam: true,
        data: nodes,
        links: links,
        edgeSymbol: path ? ["none", "arrow"] : ["none", "none"],
        lineStyle: { width: 2, color: "#b03a2e" },
        itemStyle: { color: "#1f4e79" }
      }]
    });
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function start() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll("[data-graph]").forEach(draw);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

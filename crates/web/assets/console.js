// qinglian console: draws the dashboard's charts from /dashboard/data.json (no inline script:
// the Content-Security-Policy allows scripts from this server only). Clicking a bar, a slice,
// a point or a heat-map cell opens the warnings behind it.
(function () {
  "use strict";
  function esc(t) {
    return String(t).replace(/[&<>"']/g, function (ch) { return "&#" + ch.charCodeAt(0) + ";"; });
  }
  function draw(el, buckets) {
    var chart = echarts.init(el);
    var kind = el.getAttribute("data-kind");
    var option;
    if (kind === "heat") {
      // departments down, categories across; a cell opens that department's warnings of that category
      var heat = buckets || { departments: [], categories: [], cells: [] };
      var max = heat.cells.reduce(function (m, c) { return Math.max(m, c.count); }, 1);
      option = {
        tooltip: { position: "top" },
        grid: { left: 8, right: 8, bottom: 48, top: 8, containLabel: true },
        xAxis: { type: "category", data: heat.categories.map(function (b) { return b.label; }), splitArea: { show: true } },
        yAxis: { type: "category", inverse: true, data: heat.departments, splitArea: { show: true } },
        visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
        series: [{ type: "heatmap", name: el.getAttribute("data-label") || "",
          data: heat.cells.map(function (c) { return { value: [c.c, c.d, c.count], href: c.href }; }) }]
      };
    } else if (kind === "precision") {
      // a rule's precision in percent; the tooltip says how many were judged each way
      option = {
        tooltip: { trigger: "item", formatter: function (p) {
          var r = p.data.rule;
          return esc(r.key) + "<br>" + (r.precision * 100).toFixed(1) + "% (" + r.confirmed + " / " + (r.confirmed + r.false_positive) + ")";
        } },
        grid: { left: 8, right: 16, bottom: 8, top: 16, containLabel: true },
        xAxis: { type: "value", min: 0, max: 100, name: el.getAttribute("data-label") || "" },
        yAxis: { type: "category", inverse: true, data: buckets.map(function (r) { return r.key; }) },
        series: [{ type: "bar", data: buckets.map(function (r) { return { value: Math.round(r.precision * 1000) / 10, href: r.href, rule: r }; }) }]
      };
    } else if (kind === "line") {
      option = {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 16, bottom: 8, top: 16, containLabel: true },
        xAxis: { type: "category", data: buckets.map(function (b) { return b.label; }) },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "line", symbolSize: 8, data: buckets.map(function (b) { return { value: b.count, href: b.href }; }) }]
      };
    } else if (kind === "pie") {
      option = {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"],
          data: buckets.map(function (b) { return { name: b.label, value: b.count, href: b.href }; }) }]
      };
    } else {
      option = {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 8, bottom: 8, top: 16, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: buckets.map(function (b) { return b.label; }) },
        series: [{ type: "bar", data: buckets.map(function (b) { return { value: b.count, href: b.href }; }) }]
      };
    }
    chart.setOption(option);
    chart.on("click", function (p) {
      if (p.data && p.data.href) { window.location.href = p.data.href; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function start() {
    var root = document.getElementById("charts");
    if (!root || typeof echarts === "undefined") { return; }
    fetch(root.getAttribute("data-source"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        var sets = { level: d.by_level, state: d.by_state, category: d.by_category, department: d.by_department, rule: d.by_rule, month: d.by_month, precision: d.by_precision, heat: d.heat };
        root.querySelectorAll("[data-chart]").forEach(function (el) {
          var b = sets[el.getAttribute("data-chart")] || [];
          el.setAttribute("data-count", String(b.cells ? b.cells.length : b.length));
          draw(el, b);
        });
        root.setAttribute("data-ready", "1");
      })
      .catch(function (e) { root.setAttribute("data-error", String(e)); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();

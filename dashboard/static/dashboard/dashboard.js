/* Growth dashboard charts: Apache ECharts (served from our static files), one line chart per KPI
   from the page's JSON; the 7 / 30 / 90-day buttons slice the same data. Every chart has a table
   view in the page (works without JavaScript). */
(function () {
  "use strict";
  function start() {
    var node = document.getElementById("dash-data");
    if (!node || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(node.textContent);
    var range = 30;
    var charts = [];
    function percent(unit) { return unit === "share" || unit === "lift"; }
    function option(k) {
      var rows = k.series.slice(-range);
      var pct = percent(k.unit);
      return {
        animation: false,
        grid: { left: 48, right: 12, top: 12, bottom: 28 },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "–" : pct ? (v * 100).toFixed(1) + "%" : v; } },
        xAxis: { type: "category", data: rows.map(function (r) { return r[0].slice(5); }) },
        yAxis: { type: "value", axisLabel: { formatter: function (v) { return pct ? Math.round(v * 100) + "%" : v; } } },
        series: [{ type: "line", data: rows.map(function (r) { return r[1]; }), connectNulls: true, showSymbol: rows.length < 40,
                   markLine: k.target != null ? { silent: true, symbol: "none", data: [{ yAxis: k.target }] } : undefined }]
      };
    }
    function pointsOption() {
      var rows = data.points.slice(-range);
      return {
        animation: false, grid: { left: 56, right: 12, top: 24, bottom: 28 }, tooltip: { trigger: "axis" },
        legend: { top: 0 }, xAxis: { type: "category", data: rows.map(function (r) { return r[0].slice(5); }) },
        yAxis: { type: "value" },
        series: [{ name: "+", type: "bar", data: rows.map(function (r) { return r[1]; }) },
                 { name: "−", type: "bar", data: rows.map(function (r) { return r[2]; }) }]
      };
    }
    var byKey = {};
    data.kpis.forEach(function (k) { byKey[k.key] = k; });
    function draw() {
      charts.forEach(function (c) { c.chart.setOption(c.key === "points" ? pointsOption() : option(byKey[c.key]), true); });
    }
    document.querySelectorAll(".kpi-chart[data-kpi]").forEach(function (el) {
      var key = el.getAttribute("data-kpi");
      if (key === "points" ? !data.points : !byKey[key]) { return; }
      charts.push({ key: key, chart: window.echarts.init(el, null, { renderer: "canvas" }) });
    });
    draw();
    document.querySelectorAll(".dash-range [data-range]").forEach(function (button) {
      button.addEventListener("click", function () {
        range = parseInt(button.getAttribute("data-range"), 10);
        document.querySelectorAll(".dash-range [data-range]").forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
        draw();
      });
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.chart.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());

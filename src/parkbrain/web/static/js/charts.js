/* ParkBrain charts: the server writes each chart's ECharts option as JSON next to the chart;
   this file only draws them (no data or wording lives here). */
(function () {
  "use strict";
  var drawn = [];

  function draw(root) {
    if (!window.echarts) { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-drawn")) { return; }
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(JSON.parse(source.textContent));
      el.setAttribute("data-drawn", "true");
      drawn.push(chart);
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { drawn.forEach(function (c) { c.resize(); }); }, 150);
  });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { draw(evt.target); });
})();

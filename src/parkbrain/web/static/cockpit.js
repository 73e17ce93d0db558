/* ParkBrain cockpit: draws the server's ECharts options and makes their figures clickable.
   An option's `_links` holds one drill-down address per category; no data or wording lives here.
   On the wall screen (body[data-refresh]) the page reloads itself every so many seconds.
   When every chart is drawn, window.__chartsReady is set (the PDF printer waits for it). */
(function () {
  "use strict";
  var drawn = [];

  function follow(links) {
    return function (params) {
      var href = links && links[params.dataIndex];
      if (href) { window.location.href = href; }
    };
  }

  function draw() {
    if (!window.echarts) { window.__chartsReady = true; return; }
    var still = document.body.hasAttribute("data-print");
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-drawn")) { return; }
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var option = JSON.parse(source.textContent);
      var links = option._links;
      delete option._links;
      if (still) { option.animation = false; }
      var chart = window.echarts.init(el, null, { renderer: still ? "svg" : "canvas" });
      chart.setOption(option);
      if (links) {
        chart.on("click", follow(links));
        el.style.cursor = "pointer";
      }
      el.setAttribute("data-drawn", "true");
      drawn.push(chart);
    });
    window.__chartsReady = true;
  }

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { drawn.forEach(function (c) { c.resize(); }); }, 150);
  });

  function start() {
    draw();
    var refresh = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
    if (refresh > 0) { setTimeout(function () { window.location.reload(); }, refresh * 1000); }
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function () { form.requestSubmit(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

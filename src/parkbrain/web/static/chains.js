/* Chain map: clicking a link's node opens the link's page (the node's `url`, written by the server).
   Runs after charts.js has drawn the charts (both are deferred; this one is loaded second). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chain-map]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (!chart) { return; }
      chart.on("click", function (params) {
        if (params.dataType === "node" && params.data && params.data.url) {
          window.location.assign(params.data.url);
        }
      });
    });
  });
})();

/* 政策计算器: the what-if form's refusal (422, naming the field) replaces the answer like any answer;
   htmx leaves 4xx answers out by default. No inline script: the Content-Security-Policy forbids it. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status === 422 && form && form.hasAttribute("data-swap-422")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();

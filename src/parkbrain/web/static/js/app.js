/* Small page behaviours that need no inline script (the Content-Security-Policy forbids it). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function () { form.requestSubmit(); });
    });
  });
})();

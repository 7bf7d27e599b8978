/* taizhang shell behaviour. Everything here works without any external resource. */
(function () {
  "use strict";
  // Keep htmx from injecting inline styles (a strict CSP can then forbid them).
  if (window.htmx) { window.htmx.config.includeIndicatorStyles = false; }
  // Confirm dangerous buttons: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
})();

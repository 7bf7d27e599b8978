/* taizhang shell behaviour. Everything here works without any external resource. */
(function () {
  "use strict";
  // Keep htmx from injecting inline styles (a strict CSP can then forbid them).
  if (window.htmx) { window.htmx.config.includeIndicatorStyles = false; }
  // Long choice lists (units, people) become searchable: type a name, its pinyin is not needed here.
  function enhanceSelects(root) {
    if (!window.TomSelect) { return; }
    root.querySelectorAll("select:not([data-plain])").forEach(function (el) {
      if (el.tomselect || el.options.length < 15) { return; }
      new window.TomSelect(el, {maxOptions: 500, allowEmptyOption: true, plugins: el.multiple ? ["remove_button"] : []});
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhanceSelects(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhanceSelects(event.target); });
  // Confirm dangerous buttons: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
})();

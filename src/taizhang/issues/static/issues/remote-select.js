/* Selects whose options come from the server as the user types: <select data-options-url="...">.
   The page renders only the chosen option; the URL answers {"options": [{"value", "text"}]} for ?q=. */
(function () {
  "use strict";
  function enhance(root) {
    if (!window.TomSelect) { return; }
    root.querySelectorAll("select[data-options-url]").forEach(function (el) {
      if (el.tomselect) { return; }
      var url = el.getAttribute("data-options-url");
      new window.TomSelect(el, {
        valueField: "value",
        labelField: "text",
        searchField: [],  // the server matches names, pinyin and initials
        allowEmptyOption: true,
        preload: "focus",
        loadThrottle: 250,
        maxOptions: 50,
        shouldLoad: function () { return true; },
        score: function () { return function () { return 1; }; },
        load: function (query, callback) {
          var self = this;
          fetch(url + "?q=" + encodeURIComponent(query), {credentials: "same-origin", headers: {"Accept": "application/json"}})
            .then(function (response) { return response.json(); })
            .then(function (data) { self.clearOptions(); callback(data.options); })
            .catch(function () { callback(); });
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();

/* The point on a small map (tiles only if an intranet tile server is configured). */
(function () {
  "use strict";
  var el = document.getElementById("issue-map");
  if (!el || !window.L) { return; }
  var point = JSON.parse(document.getElementById("issue-point").textContent);
  var settings = JSON.parse(document.getElementById("map-settings").textContent);
  var map = L.map(el, {attributionControl: false}).setView([point.lat, point.lon], 16);
  if (settings.tile_url) {
    L.tileLayer(settings.tile_url, {maxZoom: 19, attribution: settings.tile_attribution || ""}).addTo(map);
  }
  L.circleMarker([point.lat, point.lon], {radius: 9, color: "#d63939", weight: 3, fillOpacity: 0.4}).addTo(map);
})();

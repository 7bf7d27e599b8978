/* Draw responsibility areas with Leaflet. Tiles only when an intranet tile server is configured. */
window.TZMap = (function () {
  "use strict";
  var colours = {grid: "#206bc4", road: "#d63939", community: "#2fb344"};
  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  function draw(elementId, geojson, settings) {
    var map = L.map(elementId, {attributionControl: false});
    if (settings && settings.tile_url) {
      L.tileLayer(settings.tile_url, {maxZoom: 19, attribution: settings.tile_attribution || ""}).addTo(map);
      L.control.attribution({prefix: false}).addTo(map);
    }
    var layer = L.geoJSON(geojson, {
      style: function (f) {
        var kind = f.properties && f.properties.kind;
        return kind === "road" ? {color: colours.road, weight: 5, opacity: 0.85}
          : {color: colours[kind] || "#666", weight: kind === "community" ? 2 : 1, dashArray: kind === "community" ? "6 4" : null,
             fillOpacity: kind === "community" ? 0.04 : 0.15};
      },
      onEachFeature: function (f, l) {
        var p = f.properties || {};
        if (p.code) {
          var link = f.id != null ? '<a href="../' + encodeURIComponent(f.id) + '/">' + esc(p.name) + "</a>" : esc(p.name);
          l.bindPopup("<strong>" + link + "</strong><br>" + esc(p.kind_label) + " · " + esc(p.code) +
                      "<br>" + esc(p.unit) + (p.chief ? "<br>" + esc(p.chief) + " " + esc(p.phone) : ""));
        }
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [12, 12]}); } else { map.setView([34.72, 113.6], 12); }
    return map;
  }
  return {draw: draw};
})();

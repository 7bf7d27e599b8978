/* Issues on a map, clustered (leaflet.markercluster), coloured by light. */
(function () {
  "use strict";
  var el = document.getElementById("issues-map");
  if (!el || !window.L) { return; }
  var settings = JSON.parse(document.getElementById("map-settings").textContent);
  var colours = {green: "#2fb344", yellow: "#f59f00", red: "#d63939", "": "#868e96"};
  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  var map = L.map(el, {attributionControl: false, maxZoom: 19});
  if (settings.tile_url) {
    L.tileLayer(settings.tile_url, {maxZoom: 19, attribution: settings.tile_attribution || ""}).addTo(map);
    L.control.attribution({prefix: false}).addTo(map);
  }
  var cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 50});
  map.addLayer(cluster);
  fetch(el.dataset.pointsUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
    var markers = data.points.map(function (p) {
      var icon = L.divIcon({className: "tz-issue-marker", iconSize: [16, 16],
                            html: '<span style="background:' + (colours[p.light] || colours[""]) + '"></span>'});
      var marker = L.marker([p.lat, p.lon], {icon: icon, title: p.number});
      marker.bindPopup('<a href="' + el.dataset.detailUrl + encodeURIComponent(p.id) + '/"><strong>' + esc(p.number) + "</strong></a><br>" + esc(p.title));
      return marker;
    });
    cluster.addLayers(markers);
    if (markers.length) { map.fitBounds(cluster.getBounds(), {padding: [16, 16], maxZoom: 16}); } else { map.setView([34.72, 113.64], 12); }
    var status = document.getElementById("map-status");
    status.textContent = status.dataset.template.replace("%(n)s", data.count);
  });
})();

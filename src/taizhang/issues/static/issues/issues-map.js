/* Issues on a map, clustered (leaflet.markercluster), coloured by light; a cluster takes the worst light among its
   markers (red > yellow > green > none). Under them, faint outlines of the responsibility areas the user may see
   (the app's own GeoJSON), so that the map reads without tiles, which are off unless an intranet server is set. */
(function () {
  "use strict";
  var el = document.getElementById("issues-map");
  if (!el || !window.L) { return; }
  var settings = JSON.parse(document.getElementById("map-settings").textContent);
  var colours = {green: "#2fb344", yellow: "#f59f00", red: "#d63939", "": "#868e96"};
  var rank = {red: 3, yellow: 2, green: 1, "": 0};
  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  function getJSON(url) { return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }); }

  var map = L.map(el, {attributionControl: false, maxZoom: 19});
  if (settings.tile_url) {
    L.tileLayer(settings.tile_url, {maxZoom: 19, attribution: settings.tile_attribution || ""}).addTo(map);
    L.control.attribution({prefix: false}).addTo(map);
  }

  // Areas: below the markers (overlays sit at z-index 400), drawn on one canvas (a district has thousands of grid
  // cells), and not clickable, so that every click reaches a marker or a cluster.
  map.createPane("tz-areas").style.zIndex = 350;
  var areaStyle = {
    grid: {color: "#206bc4", weight: 1, opacity: 0.35, fillOpacity: 0.02},
    road: {color: "#d63939", weight: 3, opacity: 0.35},
    community: {color: "#2fb344", weight: 1.5, opacity: 0.45, dashArray: "6 4", fill: false}
  };
  var areas = L.geoJSON(null, {
    pane: "tz-areas",
    renderer: L.canvas({pane: "tz-areas"}),
    interactive: false,
    style: function (f) { return areaStyle[f.properties && f.properties.kind] || areaStyle.grid; }
  }).addTo(map);

  function worstLight(cluster) {
    var worst = "";
    cluster.getAllChildMarkers().forEach(function (m) {
      if (rank[m.options.light] > rank[worst]) { worst = m.options.light; }
    });
    return worst;
  }
  var cluster = L.markerClusterGroup({
    showCoverageOnHover: false,
    maxClusterRadius: 50,
    iconCreateFunction: function (c) {
      var light = worstLight(c);
      return L.divIcon({
        className: "marker-cluster tz-cluster tz-cluster-" + (light || "none"),
        iconSize: L.point(40, 40),
        html: "<div><span>" + c.getChildCount() + "</span></div>"
      });
    }
  });
  map.addLayer(cluster);

  // The points and the areas load side by side; markers do not wait for the areas (a district's GeoJSON of
  // 10,000 grid cells is a few megabytes). The view fits the markers, or the areas when there are none.
  var status = document.getElementById("map-status");
  var fitted = false;
  getJSON(el.dataset.pointsUrl).then(function (data) {
    var markers = data.points.map(function (p) {
      var icon = L.divIcon({className: "tz-issue-marker", iconSize: [16, 16],
                            html: '<span style="background:' + (colours[p.light] || colours[""]) + '"></span>'});
      var marker = L.marker([p.lat, p.lon], {icon: icon, title: p.number, light: p.light || ""});
      marker.bindPopup('<a href="' + el.dataset.detailUrl + encodeURIComponent(p.id) + '/"><strong>' + esc(p.number) + "</strong></a><br>" + esc(p.title));
      return marker;
    });
    cluster.addLayers(markers);
    if (markers.length) {
      map.fitBounds(cluster.getBounds(), {padding: [16, 16], maxZoom: 16});
      fitted = true;
    } else if (areas.getBounds().isValid()) {
      map.fitBounds(areas.getBounds(), {padding: [16, 16]});
      fitted = true;
    } else {
      map.setView([34.72, 113.64], 12);
    }
    status.textContent = status.dataset.template.replace("%(n)s", data.count);
  });
  if (el.dataset.areasUrl) {
    getJSON(el.dataset.areasUrl).then(function (shapes) {
      areas.addData(shapes);
      el.dataset.areas = String(shapes.features.length);
      if (!fitted && cluster.getLayers().length === 0 && areas.getBounds().isValid()) {
        map.fitBounds(areas.getBounds(), {padding: [16, 16]});
      }
    });
  }
})();

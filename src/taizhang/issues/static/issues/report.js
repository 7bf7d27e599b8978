/* The phone report page: preview the photos taken, and fill the point from the browser's geolocation.
   Browsers report WGS-84, so the coordinate system is set accordingly. */
(function () {
  "use strict";
  var input = document.getElementById("id_photos");
  var previews = document.getElementById("photo-previews");
  if (input && previews) {
    input.addEventListener("change", function () {
      previews.textContent = "";
      Array.prototype.forEach.call(input.files || [], function (file) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.className = "rounded border";
        img.style.width = "6rem";
        img.style.height = "6rem";
        img.style.objectFit = "cover";
        img.src = URL.createObjectURL(file);
        previews.appendChild(img);
      });
    });
  }
  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (!button || !status) { return; }
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = button.dataset.unsupported; return; }
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("id_longitude").value = position.coords.longitude.toFixed(6);
      document.getElementById("id_latitude").value = position.coords.latitude.toFixed(6);
      document.getElementById("id_coordinate_system").value = "wgs84";
      status.textContent = button.dataset.found.replace("%(m)s", Math.round(position.coords.accuracy || 0));
    }, function (error) {
      status.textContent = button.dataset.failed.replace("%(reason)s", error.message || error.code);
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  });
})();

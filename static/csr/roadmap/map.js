/* Roadmap map: Leaflet (from django-leaflet) over OpenStreetMap tiles, one circle per regency seat.
   Offline the tiles do not load, but the circles and their labels still do; without JavaScript the
   server-drawn SVG and the table beside it stay. */
(function () {
  "use strict";
  var box = document.getElementById("roadmap-map");
  var data = document.getElementById("roadmap-markers");
  if (!box || !data || typeof L === "undefined") { return; }
  var markers = JSON.parse(data.textContent);
  box.innerHTML = "";
  box.classList.add("leaflet-on");
  var map = L.map(box, { scrollWheelZoom: false });
  L.tileLayer(box.dataset.tiles, { maxZoom: 12, attribution: box.dataset.attribution }).addTo(map);
  var bounds = [];
  markers.forEach(function (m) {
    var circle = L.circleMarker([m.lat, m.lon], {
      radius: m.radius, color: "#1f2933", weight: 1, fillColor: m.colour, fillOpacity: 0.75
    }).addTo(map);
    var text = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = m.name;
    text.appendChild(title);
    text.appendChild(document.createElement("br"));
    text.appendChild(document.createTextNode(m.micro_supported + " / " + m.micro + " (" + m.coverage + ") · " + m.band));
    circle.bindPopup(text);
    circle.bindTooltip(m.seat, { permanent: true, direction: "right", className: "roadmap-label", offset: [m.radius, 0] });
    bounds.push([m.lat, m.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); }
})();

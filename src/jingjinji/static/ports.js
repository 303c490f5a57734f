// The ports pages' maps (static/maps.js draws the region's boundaries): the region's ports
// (#ports-map[data-ports-places]) and an order's legs with its containers' current position
// (#route-map[data-ports-route]). The data comes in JSON blocks named by the data-* attributes.
(function () {
  // Tooltip formatters return HTML: every value from the data is escaped.
  function esc(value) { return echarts.format.encodeHTML(String(value)); }

  var MODE_COLOURS = {vessel: "#1f5f99", feeder: "#2a8c8c", rail: "#8a4fbf", truck: "#b06a1c"};

  function places(el, data) {
    return window.jjjMaps.draw(el, {
      animation: false,
      tooltip: {trigger: "item", formatter: function (p) {
        var s = p.data && p.data.point;
        return s ? esc(s.name) + "<br>" + esc(s.code) + " · " + esc(s.kind) : "";
      }},
      series: [{
        type: "scatter", symbolSize: 11,
        itemStyle: {color: "#1f5f99", borderColor: "#333", borderWidth: 0.6},
        label: {show: true, position: "right", fontSize: 11, formatter: function (p) { return p.data.point.name; }},
        data: data.points.map(function (p) { return {value: [p.lon, p.lat], point: p}; })
      }]
    });
  }

  function route(el, data) {
    var series = data.route.map(function (leg) {
      return {
        type: "lines", name: leg.label, silent: true, symbol: ["none", "arrow"], symbolSize: 8,
        lineStyle: {color: MODE_COLOURS[leg.mode] || "#555", width: 2.5,
                    type: leg.status === "arrived" ? "solid" : "dashed"},
        data: [{coords: [leg.from, leg.to]}]
      };
    });
    series.push({
      type: "effectScatter", name: data.labels.position, symbolSize: 14, z: 5,
      itemStyle: {color: "#c0392b"},
      data: data.positions.map(function (p) { return {value: p.lonlat, point: p}; })
    });
    return window.jjjMaps.draw(el, {
      animation: false,
      legend: {top: 0},
      tooltip: {trigger: "item", formatter: function (p) {
        var s = p.data && p.data.point;
        return s ? esc(s.box) + "<br>" + esc(s.place) : "";
      }},
      series: series
    });
  }

  jjjOnLoad(function (root) {
    root.querySelectorAll("[data-ports-places]").forEach(function (el) {
      places(el, jjjData(el.dataset.portsPlaces));
    });
    root.querySelectorAll("[data-ports-route]").forEach(function (el) {
      route(el, jjjData(el.dataset.portsRoute));
    });
  });
})();

// The warnings pages: the live status line (server-sent events) and, on /warnings, the map of
// active warnings (on the region's map, static/maps.js) and the forecast chart. Data comes from
// the JSON blocks #warning-map-data, #warning-map-legend, #forecast-data and #warning-labels and
// from data-* attributes of #live-status.

(function () {
  // Live updates: the page reloads when a warning (the watched one, if the page names one) changes.
  var status = document.getElementById("live-status");
  if (!status || !window.EventSource) { return; }
  var source = new EventSource("/api/v1/warnings/events?after=" + encodeURIComponent(status.dataset.after));
  source.addEventListener("ready", function () {
    status.textContent = status.dataset.labelOn;
  });
  source.addEventListener("warning", function (event) {
    var data = JSON.parse(event.data);
    status.textContent = status.dataset.labelChanged + " #" + data.warning_id;
    if (status.dataset.watch && data.warning_id !== Number(status.dataset.watch)) { return; }
    source.close();
    window.location.reload();
  });
})();

jjjReady(function () {
  var mapEl = document.getElementById("warning-map");
  if (!window.echarts || !mapEl) { return; }
  // Tooltip and label formatters return HTML or rich text: names from the data are escaped.
  var esc = function (value) { return echarts.format.encodeHTML(String(value)); };
  var labels = jjjData("warning-labels");
  var legend = jjjData("warning-map-legend");
  var points = jjjData("warning-map-data");
  // The cities on the region's map (static/maps.js), one series per warning level for the legend.
  jjjMaps.draw(mapEl, {
    tooltip: { formatter: function (p) { return esc(p.data.name) + (p.data.level ? " · " + esc(p.seriesName) : ""); } },
    legend: { bottom: 0, data: legend.map(function (l) { return l.label; }) },
    series: legend.map(function (l) {
      return {
        type: "scatter", name: l.label,
        symbolSize: l.level ? 20 : 9,
        itemStyle: { color: l.colour, borderColor: "#333", borderWidth: l.level ? 1 : 0 },
        label: { show: true, position: "right", fontSize: 11, formatter: function (p) { return p.data.name; } },
        labelLayout: { hideOverlap: true },
        // A city near the map's east edge is named on its left, so that the name stays inside.
        data: points.filter(function (p) { return p.level === l.level; }).map(function (p) {
          return p.value[0] > 118.8 ? Object.assign({label: {position: "left"}}, p) : p;
        })
      };
    })
  });
  var el = document.getElementById("forecast-chart");
  var c = jjjData("forecast-data");
  if (!el || !c) { return; }
  var lower = c.p10, spread = c.p90.map(function (v, i) { return (v === null || c.p10[i] === null) ? null : v - c.p10[i]; });
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [labels.observed, labels.median, labels.interval] },
    xAxis: { type: "category", data: c.dates },
    yAxis: { type: "value", name: "AQI", min: 0 },
    series: [
      { name: "p10", type: "line", data: lower, stack: "band", symbol: "none", lineStyle: { opacity: 0 } },
      { name: labels.interval, type: "line", data: spread, stack: "band", symbol: "none", lineStyle: { opacity: 0 }, itemStyle: { color: "rgba(31,95,168,0.35)" }, areaStyle: { color: "rgba(31,95,168,0.2)" } },
      { name: labels.median, type: "line", data: c.p50, symbol: "none", lineStyle: { color: "#1f5fa8" },
        markLine: { symbol: "none", silent: true, lineStyle: { color: "#99004c", type: "dashed" }, data: [{ yAxis: 200 }] } },
      { name: labels.observed, type: "scatter", data: c.observed, symbolSize: 5, itemStyle: { color: "#333" } }
    ]
  });
});

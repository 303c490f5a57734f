// The sources pages' charts (ECharts). The page hands its data over in JSON blocks named by
// data-* attributes: the map of outlets (#sources-map[data-sources-map], drawn on the region's
// map by static/maps.js) and an outlet's factor series (each [data-sources-series] element draws
// chart data-index of block data-block).
window.jjjSources = (function () {
  // Tooltip formatters return HTML: every value from the data is escaped.
  function esc(value) { return echarts.format.encodeHTML(String(value)); }

  // The outlets on the region's map (static/maps.js), one series per state for the legend.
  function sourceMap(el, data) {
    var byState = {};
    data.points.forEach(function (p) { (byState[p.state] = byState[p.state] || []).push(p); });
    var series = data.legend.map(function (l) {
      return {
        type: "scatter", name: l.label, symbolSize: 12,
        itemStyle: {color: l.colour, borderColor: "#333", borderWidth: 0.6},
        data: (byState[l.state] || []).map(function (p) { return {value: [p.lon, p.lat], point: p}; })
      };
    });
    return window.jjjMaps.draw(el, {
      animation: false,
      legend: {top: 0, data: data.legend.map(function (l) { return l.label; })},
      tooltip: {trigger: "item", formatter: function (p) {
        if (!p.data || !p.data.point) { return ""; }
        var s = p.data.point;
        return [esc(s.enterprise), esc(s.outlet) + " · " + esc(s.kind),
                esc(data.labels.state) + ": " + esc(s.state_label),
                esc(data.labels.last_seen) + ": " + esc(s.last_seen)].join("<br>");
      }},
      series: series
    }).then(function (chart) {
      chart.on("click", function (p) {
        if (p.data && p.data.point) { window.location.href = p.data.point.url; }
      });
      return chart;
    });
  }

  // A bound 10 % beyond the value (never below zero: concentrations are not negative).
  function niceBound(value, direction) {
    if (!isFinite(value)) { return null; }
    var padded = value + direction * Math.max(Math.abs(value) * 0.1, 1e-6);
    return Math.max(0, Number(padded.toPrecision(2)));
  }

  function seriesOption(c) {
    var limits = c.limits.map(function (l) {
      return {yAxis: l.value, name: l.label, lineStyle: {color: l.colour, type: "dashed"},
              label: {formatter: l.label + " " + l.value, position: "insideEndTop", color: "#333"}};
    });
    var levels = c.limits.map(function (l) { return l.value; });
    var low = Math.min.apply(null, levels.concat([Infinity]));
    var high = Math.max.apply(null, levels.concat([-Infinity]));
    return {
      animation: false,
      title: {text: c.name + " " + c.factor + (c.unit ? " (" + c.unit + ")" : ""), left: 0,
              textStyle: {fontSize: 13}},
      tooltip: {trigger: "axis"},
      grid: {left: 60, right: 60, top: 40, bottom: 40},
      xAxis: {type: "time"},
      // The axis spans the values and every limit line, so that the limits are always drawn.
      yAxis: {type: "value", min: function (v) { return niceBound(Math.min(v.min, low), -1); },
              max: function (v) { return niceBound(Math.max(v.max, high), 1); }},
      dataZoom: [{type: "inside"}],
      series: [{type: "line", name: c.name, showSymbol: c.points.length < 60, connectNulls: false,
                data: c.points, markLine: {symbol: "none", silent: true, data: limits}}]
    };
  }

  function factorSeries(el, data) {
    var c = data[el.getAttribute("data-block")][Number(el.getAttribute("data-index"))];
    var chart = echarts.init(el);
    chart.setOption(seriesOption(c));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  window.jjjReady(function () {
    var map = document.querySelector("[data-sources-map]");
    if (map) { sourceMap(map, window.jjjData(map.getAttribute("data-sources-map"))); }
    document.querySelectorAll("[data-sources-series]").forEach(function (el) {
      factorSeries(el, window.jjjData(el.getAttribute("data-sources-series")));
    });
  });
  return {sourceMap: sourceMap, factorSeries: factorSeries};
})();

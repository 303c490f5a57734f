// The water pages' charts (ECharts). The page hands its data over in JSON blocks named by data-*
// attributes: the river network (#network-chart[data-water-network], drawn on the region's map by
// static/maps.js) and a section's item series
// (#series-chart[data-water-series]; the page reloads with another item to chart another).
window.jjjWater = (function () {
  // Tooltip formatters return HTML: every value from the data is escaped.
  function esc(value) { return echarts.format.encodeHTML(String(value)); }

  // The sections on the region's map (static/maps.js), one series per class for the legend,
  // and arrows downstream.
  function network(el, data) {
    var byClass = {};
    data.points.forEach(function (p) { (byClass[p["class"]] = byClass[p["class"]] || []).push(p); });
    var series = data.legend.map(function (l) {
      return {
        type: "scatter", name: l.word, symbolSize: 13, z: 3,
        itemStyle: {color: l.colour, borderColor: "#333", borderWidth: 0.6},
        data: (byClass[l["class"]] || []).map(function (p) { return {value: [p.lon, p.lat], point: p}; })
      };
    });
    series.push({
      type: "lines", name: data.labels.downstream, z: 1,
      symbol: ["none", "arrow"], symbolSize: 8, silent: true,
      lineStyle: {color: "#6a7f96", width: 1.2, opacity: 0.8},
      // Each arrow stops a dot's radius (in degrees at the region's scale) short of the next
      // section, so that its head is not hidden by the dot, however long the edge.
      data: data.edges.map(function (e) {
        var length = Math.hypot(e[2] - e[0], e[3] - e[1]);
        var k = length > 0 ? Math.max(0, (length - 0.03) / length) : 0;
        return {coords: [[e[0], e[1]], [e[0] + k * (e[2] - e[0]), e[1] + k * (e[3] - e[1])]]};
      })
    });
    return window.jjjMaps.draw(el, {
      animation: false,
      legend: {top: 0, data: data.legend.map(function (l) { return l.word; })},
      tooltip: {trigger: "item", formatter: function (p) {
        if (!p.data || !p.data.point) { return ""; }
        var s = p.data.point;
        var lines = [esc(s.name) + " (" + esc(s.code) + ")", esc(data.labels.river) + ": " + esc(s.river),
                     esc(data.labels["class"]) + ": " + esc(s.label), esc(data.labels.target) + ": " + esc(s.target || "–")];
        if (s.main) { lines.push(esc(data.labels.main) + ": " + esc(s.main)); }
        if (s.approx) { lines.push(esc(data.labels.approximate)); }
        return lines.join("<br>");
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

  function seriesOption(s) {
    var limits = s.limits.map(function (l) {
      return {yAxis: l.value, name: l.label, lineStyle: {color: l.colour, type: "dashed"},
              label: {formatter: l.label, position: "insideEndTop", color: "#333"}};
    });
    var levels = s.limits.map(function (l) { return l.value; });
    var low = Math.min.apply(null, levels.concat([Infinity]));
    var high = Math.max.apply(null, levels.concat([-Infinity]));
    return {
      animation: false,
      title: {text: s.name + (s.unit ? " (" + s.unit + ")" : ""), left: 0, textStyle: {fontSize: 13}},
      tooltip: {trigger: "axis"},
      grid: {left: 60, right: 60, top: 40, bottom: 40},
      xAxis: {type: "time"},
      // The axis spans the values and every limit line, so that the limits are always drawn.
      yAxis: {type: "value", min: function (v) { return niceBound(Math.min(v.min, low), -1); },
              max: function (v) { return niceBound(Math.max(v.max, high), 1); }},
      dataZoom: [{type: "inside"}],
      series: [{type: "line", name: s.name, showSymbol: s.points.length < 60, connectNulls: false,
                data: s.points, markLine: {symbol: "none", silent: true, data: limits}}]
    };
  }

  function itemSeries(el, data) {
    var chart = echarts.init(el);
    chart.setOption(seriesOption(data.charts[0]));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  window.jjjReady(function () {
    var net = document.querySelector("[data-water-network]");
    if (net) { network(net, window.jjjData(net.getAttribute("data-water-network"))); }
    var ser = document.querySelector("[data-water-series]");
    if (ser) {
      itemSeries(ser, window.jjjData(ser.getAttribute("data-water-series")));
    }
  });
  return {network: network, itemSeries: itemSeries};
})();

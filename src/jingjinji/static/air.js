// The air pages' charts (ECharts, data from the JSON API). The page declares them: the station map
// is #station-map[data-source] (on the region's map, static/maps.js), the series charts come from the JSON block #air-series; labels and
// AQI levels come from the blocks #air-labels and #air-levels.
window.jjjAir = (function () {
  function pieces(levels) {
    return levels.map(function (l) {
      return {min: l.min, max: l.level === 6 ? 100000 : l.max, color: l.colour, label: l.roman + " " + l.label};
    });
  }
  function colourOf(levels, level) {
    for (var i = 0; i < levels.length; i++) { if (levels[i].level === level) { return levels[i].colour; } }
    return "#B0B0B0";
  }
  function getJson(url) {
    return fetch(url, {headers: {"Accept": "application/json"}}).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }
  function fail(el, text) { el.textContent = text; el.classList.add("muted"); }
  // Tooltip formatters return HTML: every value from the data is escaped.
  function esc(value) { return echarts.format.encodeHTML(String(value)); }
  function calendar(el, url, year, levels, labels) {
    var chart = echarts.init(el);
    getJson(url + "?start=" + year + "-01-01&end=" + year + "-12-31").then(function (body) {
      var data = body.items.filter(function (d) { return d.aqi !== null; })
        .map(function (d) { return [d.date, d.aqi, d.primary_pollutants || "-"]; });
      chart.setOption({
        tooltip: {formatter: function (p) { return esc(p.value[0]) + "<br>AQI " + esc(p.value[1]) + "<br>" + esc(labels.primary) + ": " + esc(p.value[2]); }},
        visualMap: {type: "piecewise", dimension: 1, orient: "horizontal", left: "center", bottom: 0, pieces: pieces(levels)},
        calendar: {range: String(year), cellSize: ["auto", 16], top: 30, left: 40, right: 20,
                   dayLabel: {nameMap: labels.lang === "zh_CN" ? "ZH" : "EN"},
                   monthLabel: {nameMap: labels.lang === "zh_CN" ? "ZH" : "EN"}},
        series: [{type: "heatmap", coordinateSystem: "calendar", data: data}]
      });
    }).catch(function (e) { fail(el, labels.failed + " " + e.message); });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function lines(container, url, start, end, pollutants, labels) {
    getJson(url + "?start=" + start + "&end=" + end).then(function (body) {
      var dates = body.items.map(function (d) { return d.date; });
      var charts = [];
      ["aqi"].concat(pollutants).forEach(function (p) {
        var box = document.createElement("div");
        box.className = "chart air-line";
        box.style.height = "220px";
        box.setAttribute("data-pollutant", p);
        container.appendChild(box);
        var chart = echarts.init(box);
        chart.setOption({
          title: {text: (labels.names[p] || p) + (labels.units[p] ? " (" + labels.units[p] + ")" : ""), left: 0, textStyle: {fontSize: 13}},
          tooltip: {trigger: "axis"},
          grid: {left: 50, right: 20, top: 35, bottom: 30},
          xAxis: {type: "category", data: dates},
          yAxis: {type: "value"},
          dataZoom: [{type: "inside"}],
          series: [{type: "line", name: labels.names[p] || p, showSymbol: false, connectNulls: false,
                    data: body.items.map(function (d) { return d[p] === null ? null : Math.round(d[p] * 100) / 100; })}]
        });
        charts.push(chart);
      });
      echarts.connect(charts);
      window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
      if (!body.items.length) { fail(container, labels.empty); }
    }).catch(function (e) { fail(container, labels.failed + " " + e.message); });
  }
  // The stations on the region's map (static/maps.js), one series per AQI level for the legend.
  function stationMap(el, url, levels, labels) {
    getJson(url).then(function (items) {
      var byLevel = {};
      items.forEach(function (s) {
        var key = s.level || 0;
        (byLevel[key] = byLevel[key] || []).push({
          name: (labels.lang === "zh_CN" ? s.name_zh : s.name_en) + " (" + s.station_code + ")",
          value: [s.longitude, s.latitude, s.aqi, s.ts, s.station_code]
        });
      });
      var series = Object.keys(byLevel).sort().map(function (key) {
        var level = Number(key);
        var info = levels.filter(function (l) { return l.level === level; })[0];
        return {type: "scatter", name: info ? info.roman + " " + info.label : labels.nodata,
                symbolSize: level ? 11 : 7, data: byLevel[key],
                itemStyle: {color: colourOf(levels, level), borderColor: "#333", borderWidth: level ? 1 : 0}};
      });
      return jjjMaps.draw(el, {
        tooltip: {formatter: function (p) {
          return esc(p.name) + "<br>AQI: " + esc(p.value[2] === null ? "-" : p.value[2]) + "<br>" + esc(p.value[3] || labels.nodata);
        }},
        legend: {bottom: 0},
        series: series
      });
    }).then(function (chart) {
      chart.on("click", function (p) { window.location = "/air/stations/" + encodeURIComponent(p.value[4]); });
    }).catch(function (e) { fail(el, labels.failed + " " + e.message); });
  }
  return {calendar: calendar, lines: lines, stationMap: stationMap};
})();

jjjReady(function () {
  if (!window.echarts) { return; }
  var labels = jjjData("air-labels");
  var levels = jjjData("air-levels");
  var map = document.getElementById("station-map");
  if (map && map.dataset.source) { jjjAir.stationMap(map, map.dataset.source, levels, labels); }
  var series = jjjData("air-series");
  if (series) {
    jjjAir.lines(document.getElementById("lines"), series.url, series.start, series.end, series.pollutants, labels);
    jjjAir.calendar(document.getElementById("calendar"), series.url, series.year, levels, labels);
  }
});

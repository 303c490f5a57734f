// The region's base map, shared by every map page (air stations, warnings, water sections,
// pollution sources): the province boundaries of Beijing, Tianjin and Hebei (Natural Earth, public
// domain; docs/maps.md) drawn by ECharts' geo component, with the page's points on top.
//
// A page writes its container with the macro region_map (templates/maps.html), which names the
// boundary file in data-region-map and the failure text in data-map-failed, and calls
// jjjMaps.draw(el, option): option is an ordinary ECharts option whose series take [lon, lat, ...]
// values; they are put on the map (coordinateSystem "geo"). draw returns a promise of the chart.
// The map is drawn as SVG (crisp at any size; each boundary is a <path> a test can find) and
// follows the window's size; on a narrow screen it does not pan or zoom, so that a finger
// dragging over it scrolls the page.
window.jjjMaps = (function () {
  var NAME = "jingjinji";
  var NARROW = 600;
  var loaded = {};

  function load(url) {
    if (!loaded[url]) {
      loaded[url] = fetch(url, {headers: {"Accept": "application/json"}}).then(function (r) {
        if (!r.ok) { throw new Error(url + ": " + r.status); }
        return r.json();
      }).then(function (geoJson) {
        echarts.registerMap(NAME, geoJson);
        return geoJson;
      });
    }
    return loaded[url];
  }

  function narrow(el) { return el.clientWidth < NARROW; }

  // The geo component: provinces named in the page's language, light fill, visible borders.
  function geo(el) {
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    return {
      map: NAME,
      nameProperty: zh ? "name_zh" : "name",
      roam: !narrow(el),
      scaleLimit: {min: 1, max: 10},
      top: 16, bottom: 16, left: 6, right: 6,
      silent: true,
      label: {show: true, color: "#7a8796", fontSize: narrow(el) ? 10 : 12},
      itemStyle: {areaColor: "#eef2f6", borderColor: "#7d8ea3", borderWidth: 1.2},
      emphasis: {disabled: true}
    };
  }

  function draw(el, option) {
    var chart = echarts.init(el, null, {renderer: "svg"});
    window.addEventListener("resize", function () { chart.resize(); });
    return load(el.getAttribute("data-region-map")).then(function () {
      var base = geo(el);
      // Room for the legend above or below the map: on a phone it wraps onto more lines.
      if (option.legend) {
        var room = narrow(el) ? 64 : 36;
        if (option.legend.top !== undefined) { base.top = room; } else { base.bottom = room; }
      }
      option.geo = Object.assign(base, option.geo || {});
      option.series.forEach(function (s) { s.coordinateSystem = "geo"; });
      chart.setOption(option);
      el.setAttribute("data-map-ready", "true");
      return chart;
    }).catch(function (e) {
      chart.dispose();
      el.textContent = el.getAttribute("data-map-failed") + " " + e.message;
      el.classList.add("muted");
      throw e;
    });
  }

  return {draw: draw, name: NAME};
})();

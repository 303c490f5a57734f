// The progress pages' charts. A page declares them with data attributes and JSON data blocks:
//   <div data-stacked="ID" data-horizontal="true">  stacked bars of the block #ID
//                                                    ({categories, series, legend}; dashboard:
//                                                    each series one status, its own colour, a
//                                                    legend entry and its counts on the bars)
//   <div data-series="ID" data-unit="...">           lines of the block #ID ({periods, series})
//   <div data-report-chart="ID" data-area="AREA">    bars of the block #ID's entry AREA
//                                                    ({title, unit, labels, values, colors})
// They draw when the page has loaded and in every fragment htmx swaps in later.

(function () {
  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) { fn(root); }
    if (root.querySelectorAll) { root.querySelectorAll(selector).forEach(fn); }
  }
  function init(el) {
    if (echarts.getInstanceByDom(el)) { return null; }
    var chart = echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }
  function stacked(el) {
    var data = jjjData(el.dataset.stacked);
    var horizontal = el.dataset.horizontal === "true";
    var chart = data && init(el);
    if (!chart) { return; }
    var cat = {type: "category", data: data.categories, inverse: horizontal,
               axisLabel: {interval: 0, width: 140, overflow: "truncate"}};
    var val = {type: "value", minInterval: 1};
    // A count on its bar; an empty segment says nothing.
    var bars = data.series.map(function (s) {
      var label = Object.assign({position: "inside", fontSize: 11}, s.label || {});
      label.formatter = function (p) { return p.value ? String(p.value) : ""; };
      return Object.assign({}, s, {label: label});
    });
    chart.setOption({
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      legend: {show: data.legend !== false, top: 0, type: "scroll",
               data: data.series.filter(function (s) { return s.name; })
                           .map(function (s) { return s.name; })},
      grid: {left: horizontal ? 150 : 40, right: 20, top: 40, bottom: 30, containLabel: !horizontal},
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? cat : val,
      series: bars
    });
  }
  function series(el) {
    var data = jjjData(el.dataset.series);
    var chart = data && init(el);
    if (!chart) { return; }
    chart.setOption({
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 60, right: 30, top: 40, bottom: 30},
      xAxis: {type: "category", data: data.periods},
      yAxis: {type: "value", name: el.dataset.unit},
      series: data.series
    });
  }
  function reportChart(el) {
    var all = jjjData(el.dataset.reportChart);
    var c = all && all[el.dataset.area];
    if (!c) { return; }
    el.style.height = Math.max(160, 40 + 26 * c.labels.length) + "px";
    var chart = init(el);
    if (!chart) { return; }
    chart.setOption({
      title: {text: c.title, textStyle: {fontSize: 13}},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
      grid: {left: 230, right: 60, top: 36, bottom: 20},
      xAxis: {type: "value", name: c.unit},
      yAxis: {type: "category", inverse: true, data: c.labels, axisLabel: {width: 220, overflow: "truncate"}},
      series: [{type: "bar", data: c.values.map(function (v, i) { return {value: v, itemStyle: {color: c.colors[i]}}; }),
                label: {show: true, position: "right"}}]
    });
  }
  jjjOnLoad(function (root) {
    if (!window.echarts) { return; }
    each(root, "[data-stacked]", stacked);
    each(root, "[data-series]", series);
    each(root, "[data-report-chart]", reportChart);
  });
})();

// The credit agency dashboard's charts, from the JSON data block the page declares:
//   <div data-credit-timeliness="ID">  stacked bars per agency (on time, late, overdue)
//   <div data-credit-classes="ID">     subjects per risk class
(function () {
  function draw() {
    document.querySelectorAll("[data-credit-timeliness]").forEach(function (el) {
      var data = jjjData(el.dataset.creditTimeliness);
      if (!data || echarts.getInstanceByDom(el)) { return; }
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
        legend: {top: 0},
        xAxis: {type: "category", data: data.agencies, axisLabel: {interval: 0, width: 120, overflow: "truncate"}},
        yAxis: {type: "value", minInterval: 1},
        series: [
          {name: data.labels.on_time, type: "bar", stack: "n", data: data.on_time, color: "#3b8c5a"},
          {name: data.labels.late, type: "bar", stack: "n", data: data.late, color: "#d08a2c"},
          {name: data.labels.overdue, type: "bar", stack: "n", data: data.overdue, color: "#b33a3a"}
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
    document.querySelectorAll("[data-credit-classes]").forEach(function (el) {
      var data = jjjData(el.dataset.creditClasses);
      if (!data || echarts.getInstanceByDom(el)) { return; }
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: {trigger: "item"},
        title: {text: data.labels.classes, left: "center", textStyle: {fontSize: 13}},
        series: [{type: "pie", radius: ["35%", "65%"], top: 30,
                  data: data.classes.map(function (c) { return {name: c[0], value: c[1]}; })}]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

// The port-pair flow page's Sankey diagram: <div data-flows="ID"> draws the block #ID
// ({nodes: [name], links: [{source, target, value}], unit}). The table under it carries the
// same figures as text.
jjjOnLoad(function (root) {
  root.querySelectorAll("[data-flows]").forEach(function (el) {
    if (echarts.getInstanceByDom(el)) { return; }
    var data = jjjData(el.dataset.flows);
    if (!data || !data.links.length) { return; }
    var chart = echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    chart.setOption({
      tooltip: {trigger: "item", formatter: function (p) {
        return p.dataType === "edge"
          ? p.data.source + " → " + p.data.target + ": " + p.data.value + " " + data.unit
          : p.name;
      }},
      series: [{
        type: "sankey", left: 10, right: 140, emphasis: {focus: "adjacency"},
        nodeAlign: "left", lineStyle: {color: "gradient", curveness: 0.5},
        data: data.nodes.map(function (n) { return {name: n}; }),
        links: data.links
      }]
    });
    el.dataset.chartReady = "true";
  });
});

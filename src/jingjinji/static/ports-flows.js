// The port-pair flow page's Sankey diagram: <div data-flows="ID"> draws the block #ID
// ({nodes: [{key, label}], links: [{source, target, value}], unit}); a port that both sends
// and receives has two nodes (from_code on the left, to_code on the right), as a Sankey has no
// cycles. The table under it carries the same figures as text.
jjjOnLoad(function (root) {
  root.querySelectorAll("[data-flows]").forEach(function (el) {
    if (echarts.getInstanceByDom(el)) { return; }
    var data = jjjData(el.dataset.flows);
    if (!data || !data.links.length) { return; }
    var labels = {};
    data.nodes.forEach(function (n) { labels[n.key] = n.label; });
    var chart = echarts.init(el);
    window.addEventListener("resize", function () { chart.resize(); });
    chart.setOption({
      tooltip: {trigger: "item", formatter: function (p) {
        return p.dataType === "edge"
          ? labels[p.data.source] + " → " + labels[p.data.target] + ": " + p.data.value + " " + data.unit
          : labels[p.name];
      }},
      series: [{
        type: "sankey", left: 10, right: 160, emphasis: {focus: "adjacency"},
        nodeAlign: "left", lineStyle: {color: "gradient", curveness: 0.5},
        label: {formatter: function (p) { return labels[p.name]; }},
        data: data.nodes.map(function (n) { return {name: n.key}; }),
        links: data.links
      }]
    });
    el.dataset.chartReady = "true";
  });
});

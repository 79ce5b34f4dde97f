/* The collaboration report's network: units as nodes (coloured by community, silos ringed in red), ties as links
   weighted by how often two units worked together. Drawn with the vendored ECharts from the data the page gives it
   through json_script; the tables below the chart say the same, so nothing needs this script to be read. Tapping
   a unit opens its records. Tooltips are drawn on the canvas (richText): HTML tooltips carry style attributes, which
   the Content-Security-Policy refuses. */
(function () {
  "use strict";

  var PALETTE = ["#1f4e8c", "#d9822b", "#1f7a46", "#7a5ea8", "#5d6b7a", "#b08d1a", "#2d8a8a", "#8c3b5e"];

  function draw() {
    var holder = document.getElementById("report-network");
    var source = document.getElementById("report-network-data");
    if (!holder || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var others = data.categories.length;
    var categories = data.categories.map(function (name) { return { name: name }; });
    categories.push({ name: "其他" });
    var strongest = Math.max.apply(null, data.links.map(function (l) { return l.value; }).concat([1]));
    var chart = window.echarts.init(holder, null, { renderer: "canvas", locale: "ZH" });
    chart.setOption({
      color: PALETTE,
      animation: false,
      tooltip: { renderMode: "richText", confine: true },
      legend: { type: "scroll", top: 0, data: data.categories },
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        force: { repulsion: 180, edgeLength: [40, 160], gravity: 0.08 },
        label: { show: true, position: "right", fontSize: 11 },
        categories: categories,
        data: data.nodes.map(function (n) {
          return {
            id: n.id, name: n.name, value: n.value, href: n.href,
            category: n.category >= 0 ? n.category : others,
            symbolSize: 10 + Math.min(n.value || 0, 20),
            itemStyle: n.silo ? { borderColor: "#b3261e", borderWidth: 3 } : undefined
          };
        }),
        links: data.links.map(function (l) {
          return { source: l.source, target: l.target, value: l.value,
                   lineStyle: { width: 1 + 5 * l.value / strongest, opacity: 0.6 } };
        })
      }]
    });
    chart.on("click", function (params) {
      if (params.dataType === "node" && params.data.href) { window.location.assign(params.data.href); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

/* Jishi dashboards: draws each chart with Apache ECharts (vendored, see vendor/echarts/README.md) from the data the
   page gives it through json_script, and wires the 图/表 switch. Without JavaScript each figure is its table.

   A chart's data is a plain spec from insights.views.charts: kind ("bar", "hbar" or "heatmap"), x (categories),
   series (name, data, line, axis) or y and cells ([x, y, value, link]) for a heat map, and links — the records
   behind each category — so that tapping a bar or a cell opens them. Tooltips are drawn on the canvas (richText):
   ECharts' HTML tooltips carry style attributes, which the Content-Security-Policy refuses. */
(function () {
  "use strict";

  var PALETTE = ["#1f4e8c", "#d9822b", "#b3261e", "#1f7a46", "#7a5ea8", "#5d6b7a"];
  var NARROW = window.matchMedia("(max-width: 759px)");

  function heightFor(spec) {
    var rows = spec.kind === "heatmap" ? spec.y.length : spec.kind === "hbar" ? spec.x.length : 0;
    return Math.max(260, rows * (spec.kind === "heatmap" ? 32 : 28) + 90);
  }

  function labelWidth() {
    return NARROW.matches ? 92 : 150;
  }

  function option(spec) {
    var base = {
      color: PALETTE,
      animation: false,
      textStyle: { fontFamily: "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif" },
      tooltip: { renderMode: "richText", confine: true },
      grid: { containLabel: true, left: 8, right: 16, top: 36, bottom: 8 }
    };
    if (spec.kind === "heatmap") {
      base.tooltip.formatter = function (p) {
        return spec.y[p.value[1]] + " · " + spec.x[p.value[0]] + "：" + p.value[2] + (spec.unit || "");
      };
      base.grid.top = 8;
      base.grid.bottom = 56;
      base.xAxis = { type: "category", data: spec.x, splitArea: { show: true }, position: "top" };
      base.yAxis = {
        type: "category", data: spec.y, inverse: true,
        axisLabel: { width: labelWidth(), overflow: "truncate" }
      };
      base.visualMap = {
        min: 0, max: spec.max || 100, orient: "horizontal", left: "center", bottom: 0, itemHeight: 140,
        calculable: false, text: [(spec.max || 100) + (spec.unit || ""), "0"],
        inRange: { color: ["#fdecea", "#fff4e0", "#e7f5ec", "#1f7a46"] }
      };
      base.series = [{
        type: "heatmap", name: spec.label,
        data: spec.cells.map(function (c) { return [c[0], c[1], c[2]]; }),
        label: { show: spec.x.length <= 8, fontSize: 11, formatter: function (p) { return Math.round(p.value[2]); } }
      }];
      return base;
    }
    var horizontal = spec.kind === "hbar";
    var category = { type: "category", data: spec.x, axisLabel: { width: labelWidth(), overflow: "truncate" } };
    if (horizontal) { category.inverse = true; } else { category.axisLabel.interval = 0; category.axisLabel.rotate = spec.x.length > 4 ? 40 : 0; }
    var values = [{ type: "value" }];
    var twoAxes = !horizontal && spec.series.some(function (s) { return s.axis === 1; });
    if (twoAxes) { values.push({ type: "value", splitLine: { show: false } }); }
    if (spec.series.length > 1) { base.legend = { top: 0, type: "scroll" }; } else { base.grid.top = 16; }
    base.xAxis = horizontal ? values[0] : category;
    base.yAxis = horizontal ? category : values;
    base.series = spec.series.map(function (s) {
      return {
        name: s.name, type: s.line ? "line" : "bar", data: s.data, stack: spec.stack ? "all" : undefined,
        yAxisIndex: twoAxes && s.axis ? 1 : 0, barMaxWidth: 28
      };
    });
    return base;
  }

  function linkOf(spec, params) {
    if (spec.kind === "heatmap") {
      var cell = spec.cells[params.dataIndex];
      return cell ? cell[3] : null;
    }
    return spec.links && spec.links[params.dataIndex];
  }

  function isEmpty(spec) {
    return spec.kind === "heatmap" ? !spec.cells.length : !spec.x.length;
  }

  function show(figure, which) {
    figure.classList.toggle("show-table", which === "table");
    figure.classList.toggle("show-chart", which === "chart");
    figure.querySelectorAll("[data-show]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-show") === which ? "true" : "false");
    });
    if (which === "chart" && figure.__chart) { figure.__chart.resize(); }
  }

  function draw(figure) {
    var holder = figure.querySelector("[data-chart]");
    var source = holder && document.getElementById(holder.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    if (isEmpty(spec)) { figure.classList.add("no-chart"); return; }
    holder.style.height = heightFor(spec) + "px";  /* CSSOM, not a style attribute: the policy allows it */
    var chart = window.echarts.init(holder, null, { renderer: "canvas", locale: "ZH" });
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var href = linkOf(spec, params);
      if (href) { window.location.assign(href); }
    });
    figure.__chart = chart;
    figure.classList.add("has-chart");
    var buttons = figure.querySelector(".figure-switch");
    buttons.hidden = false;
    buttons.addEventListener("click", function (event) {
      var button = event.target.closest("[data-show]");
      if (button) { show(figure, button.getAttribute("data-show")); }
    });
    show(figure, "chart");
  }

  function start() {
    var figures = document.querySelectorAll(".figure");
    figures.forEach(draw);
    window.addEventListener("resize", function () {
      figures.forEach(function (figure) { if (figure.__chart) { figure.__chart.resize(); } });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

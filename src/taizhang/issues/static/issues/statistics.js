/* The statistics chart: received, closed and overdue bars (or lines by week) with the on-time rate. */
(function () {
  "use strict";
  var el = document.getElementById("stats-chart");
  if (!el || !window.echarts) { return; }
  var data = JSON.parse(document.getElementById("stats-data").textContent);
  var kind = data.kind;
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 48, right: 56, top: 36, bottom: data.names.length > 8 ? 90 : 40},
    xAxis: {type: "category", data: data.names, axisLabel: {rotate: data.names.length > 8 ? 40 : 0, interval: 0}},
    yAxis: [{type: "value", minInterval: 1}, {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}],
    series: [
      {name: el.dataset.received, type: kind, data: data.received},
      {name: el.dataset.closed, type: kind, data: data.closed},
      {name: el.dataset.overdue, type: kind, data: data.overdue, itemStyle: {color: "#d63939"}},
      {name: el.dataset.rate, type: "line", yAxisIndex: 1, data: data.rate, connectNulls: true, itemStyle: {color: "#2fb344"}}
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

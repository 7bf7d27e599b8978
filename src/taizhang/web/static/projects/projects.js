/* Key-project pages: the project chart, the summary charts, and the reporting page's rows. */
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function chart(el, option) {
    if (!el || !window.echarts) { return; }
    var instance = window.echarts.init(el);
    instance.setOption(option);
    window.addEventListener("resize", function () { instance.resize(); });
    window.addEventListener("beforeprint", function () { instance.resize(); });
  }

  // The project: year-to-date investment by month against the annual plan and the time-elapsed line.
  var project = data("project-chart-data");
  if (project) {
    chart(document.getElementById("project-chart"), {
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 64, right: 24, top: 40, bottom: 32},
      xAxis: {type: "category", data: project.months},
      yAxis: {type: "value"},
      series: [
        {name: project.labels.approved, type: "bar", data: project.approved, itemStyle: {color: "#206bc4"}},
        {name: project.labels.pending, type: "bar", data: project.pending, itemStyle: {color: "#a6c4ea"}},
        {name: project.labels.plan, type: "line", data: project.plan, symbol: "none", lineStyle: {type: "dashed"}, itemStyle: {color: "#2fb344"}},
        {name: project.labels.elapsed, type: "line", data: project.elapsed, symbol: "none", itemStyle: {color: "#f59f00"}}
      ]
    });
  }

  // The district summary: completion rate by category and by unit, with the time-elapsed line.
  var summary = data("summary-charts");
  function rates(rows, el) {
    var line = summary.elapsed === null ? [] : [{yAxis: summary.elapsed, name: summary.labels.elapsed}];
    chart(el, {
      tooltip: {trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v.toFixed(1) + "%"; }},
      grid: {left: 48, right: 24, top: 24, bottom: rows.names.length > 6 ? 96 : 40},
      xAxis: {type: "category", data: rows.names, axisLabel: {rotate: rows.names.length > 6 ? 40 : 0, interval: 0}},
      yAxis: {type: "value", axisLabel: {formatter: "{value}%"}},
      series: [{
        name: summary.labels.rate, type: "bar", data: rows.rates,
        itemStyle: {color: function (p) { return summary.elapsed !== null && p.value < summary.elapsed - 10 ? "#d63939" : "#206bc4"; }},
        markLine: {symbol: "none", data: line, lineStyle: {color: "#f59f00", type: "dashed", width: 2},
                   label: {formatter: summary.labels.elapsed, position: "insideEndTop"}}
      }]
    });
  }
  if (summary) {
    rates(summary.category, document.getElementById("chart-category"));
    rates(summary.unit, document.getElementById("chart-unit"));
  }

  // The reporting page: a row answers with itself, also when it carries an error (400, 403, 409), so the
  // message appears in the row that caused it; an edited row is marked until it is saved.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 403 || status === 409) && event.detail.target.closest(".tz-row")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // The counts above the table follow the rows as they are saved and submitted.
  document.addEventListener("htmx:afterSwap", function () {
    var counts = document.querySelectorAll("[data-testid=reporting-counts] [data-count]");
    if (!counts.length) { return; }
    var tally = {};
    document.querySelectorAll("[data-testid=row]").forEach(function (row) {
      tally[row.dataset.status] = (tally[row.dataset.status] || 0) + 1;
    });
    counts.forEach(function (el) { el.textContent = String(tally[el.dataset.count] || 0); });
  });
  document.addEventListener("input", function (event) {
    var row = event.target.closest && event.target.closest(".tz-row");
    if (row) { row.classList.add("tz-row-dirty"); }
  });
})();

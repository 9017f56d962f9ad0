// The fund pages' charts (/staff/fund): monitoring trends, dependency ratio, the month's income and
// spending, the projection's scenarios side by side. Data comes from JSON blocks in the page (the
// CSP forbids inline scripts); ECharts is served from /static/vendor/.
(function () {
  "use strict";

  // The colours, the page's JSON blocks, the chart text size and the empty chart come from app.js
  // (every page loads it, before this script).
  var shared = window.shebaoCharts;
  var COLORS = shared.colors, readJson = shared.readJson, fontSize = shared.fontSize, empty = shared.empty;
  var INSURANCE = { pension: "养老保险", unemployment: "失业保险", injury: "工伤保险" };

  function num(v) { return v === null || v === undefined || v === "" ? null : Number(v); }
  function yi(v) { return v === null ? null : Math.round(Number(v) / 1e6) / 100; } // yuan → 亿元 (2 decimals)

  function draw(el, option) {
    if (!window.echarts) { el.textContent = "图表组件未安装（npm ci）"; return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var size = fontSize();
    option.textStyle = { fontFamily: getComputedStyle(document.body).fontFamily, fontSize: size };
    option.animation = false;
    option.legend = Object.assign({ bottom: 0, textStyle: { fontSize: size } }, option.legend || {});
    option.grid = Object.assign({ left: 8, right: 16, top: 32, bottom: 40, containLabel: true }, option.grid || {});
    chart.setOption(option);
    el.setAttribute("data-rendered", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function line(name, data, color) {
    return { name: name, type: "line", data: data, showSymbol: false, itemStyle: { color: color }, lineStyle: { color: color } };
  }

  function monitorCharts(data) {
    var months = data.months || [];
    var periods = months.map(function (m) { return m.period; });
    document.querySelectorAll("[data-fund-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-fund-chart");
      if (!months.length) { empty(el); return; }
      if (kind === "trend") {
        draw(el, {
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: periods },
          yAxis: { type: "value", name: "元" },
          series: [
            line("应缴", months.map(function (m) { return num(m.contributions_due); }), COLORS.grey),
            line("实缴", months.map(function (m) { return num(m.contributions_received); }), COLORS.blue),
            line("待遇支出", months.map(function (m) { return num(m.benefits_paid); }), COLORS.red)
          ]
        });
      } else if (kind === "ratio") {
        draw(el, {
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: periods },
          yAxis: { type: "value", name: "人/人" },
          series: [
            line("领取人数/缴费人数", months.map(function (m) { return m.dependency_ratio_contributors; }), COLORS.red),
            line("领取人数/参保在职人数", months.map(function (m) { return m.dependency_ratio_insured; }), COLORS.yellow)
          ]
        });
      } else if (kind === "month") {
        var last = periods[periods.length - 1];
        var rows = (data.rows || []).filter(function (r) { return r.period === last; });
        var totals = {};
        rows.forEach(function (r) {
          var t = totals[r.insurance] || (totals[r.insurance] = { inc: 0, out: 0 });
          t.inc += Number(r.contributions_received); t.out += Number(r.benefits_paid_total);
        });
        var keys = Object.keys(totals).sort();
        if (!keys.length) { empty(el); return; }
        draw(el, {
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: keys.map(function (k) { return INSURANCE[k] || k; }) },
          yAxis: { type: "value", name: "元" },
          series: [
            { name: "实缴收入", type: "bar", data: keys.map(function (k) { return Math.round(totals[k].inc * 100) / 100; }), itemStyle: { color: COLORS.blue } },
            { name: "待遇支出", type: "bar", data: keys.map(function (k) { return Math.round(totals[k].out * 100) / 100; }), itemStyle: { color: COLORS.red } }
          ]
        });
      }
    });
  }

  function projectionCharts(data) {
    document.querySelectorAll("[data-fund-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-fund-chart");
      if (!data.years || !data.years.length) { empty(el); return; }
      if (kind === "balance") {
        draw(el, {
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: data.years },
          yAxis: { type: "value", name: "亿元" },
          series: [line(data.a.name, data.a.balance.map(yi), COLORS.blue), line(data.b.name, data.b.balance.map(yi), COLORS.red)]
        });
      } else if (kind === "pratio") {
        draw(el, {
          tooltip: { trigger: "axis" },
          xAxis: { type: "category", data: data.years },
          yAxis: { type: "value", name: "人/人" },
          series: [line(data.a.name, data.a.ratio, COLORS.blue), line(data.b.name, data.b.ratio, COLORS.red)]
        });
      }
    });
  }

  function init() {
    var monitor = readJson("fund-monitor-data");
    if (monitor) monitorCharts(monitor);
    var projection = readJson("fund-projection-data");
    if (projection) projectionCharts(projection);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

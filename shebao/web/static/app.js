// shebao web: progressive enhancement only (every page works without this script).
// Charts use ECharts, the chat uses htmx; both are served from /static/vendor/ (npm ci).
(function () {
  "use strict";

  var COLORS = { red: "#c62828", yellow: "#d69e2e", blue: "#0b5cad", green: "#2e7d32", grey: "#8a96a3" };

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  // The Chinese labels come from the server's one table (shebao/web/labels.py), written into the page.
  var LABELS = readJson("labels-data") || {};
  var LEVELS = LABELS.level || {};

  function csrf() {
    var el = document.querySelector('input[name="csrf_token"]');
    return el ? el.value : "";
  }

  function yuan(v) { return Number(v).toLocaleString("zh-CN", { maximumFractionDigits: 2 }); }

  // Chart text follows the page's text size (large-text mode enlarges labels and legends too).
  function fontSize() {
    var base = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    return Math.round(base * 0.8125);
  }

  // An empty chart says so, instead of drawing equal slices or an empty axis.
  function empty(el) {
    el.textContent = "";
    var p = document.createElement("p");
    p.className = "chart-empty";
    p.textContent = "暂无数据";
    el.appendChild(p);
    el.setAttribute("data-rendered", "1");
    el.setAttribute("data-empty", "1");
  }

  // What the other chart scripts (fund.js) share with this one; base.html loads this one first.
  window.shebaoCharts = { colors: COLORS, readJson: readJson, fontSize: fontSize, empty: empty };

  function scaleText(option, size) {
    var walk = function (o) {
      if (!o || typeof o !== "object") return;
      if (Array.isArray(o)) { o.forEach(walk); return; }
      ["legend", "xAxis", "yAxis", "series", "label", "axisLabel", "nameTextStyle", "textStyle"].forEach(function (k) {
        if (o[k] === undefined) return;
        if (k === "legend" && !Array.isArray(o[k])) { o[k].textStyle = Object.assign({ fontSize: size }, o[k].textStyle || {}); }
        if ((k === "xAxis" || k === "yAxis") && !Array.isArray(o[k])) {
          o[k].axisLabel = Object.assign({ fontSize: size }, o[k].axisLabel || {});
          o[k].nameTextStyle = Object.assign({ fontSize: size }, o[k].nameTextStyle || {});
        }
        if (k === "label" && !Array.isArray(o[k])) { o[k].fontSize = o[k].fontSize || size; }
        walk(o[k]);
      });
    };
    walk(option);
  }

  function draw(el, option) {
    if (!window.echarts) { el.textContent = "图表组件未安装（npm ci）"; return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    var size = fontSize();
    option.textStyle = { fontFamily: getComputedStyle(document.body).fontFamily, fontSize: size };
    scaleText(option, size);
    el.setAttribute("data-font-size", String(size));
    option.animation = false;
    chart.setOption(option);
    el.setAttribute("data-rendered", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function planChart(el) {
    var inputs = readJson("plan-inputs");
    if (!inputs) return;
    fetch("/api/v1/calc/plan", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      credentials: "same-origin",
      body: JSON.stringify(inputs)
    }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (plan) {
      var tiers = plan.tiers || [];
      var labels = tiers.map(function (t) { return Math.round(Number(t.tier) * 100) + "%"; });
      var wide = el.clientWidth >= 560;
      draw(el, {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return yuan(v) + " 元"; } },
        legend: { bottom: 0 },
        grid: { left: 8, right: 8, top: 32, bottom: 40, containLabel: true },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", name: "元/月" },
        series: [
          { name: "每月缴费", type: "bar", data: tiers.map(function (t) { return Number(t.monthly_cost); }),
            itemStyle: { color: COLORS.grey } },
          { name: "退休后每月养老金", type: "bar", data: tiers.map(function (t) { return Number(t.pension_at_retirement); }),
            itemStyle: { color: COLORS.blue }, label: { show: wide, position: "top", formatter: function (p) { return yuan(p.value); } } }
        ]
      });
    }).catch(function (err) { el.textContent = "图表加载失败：" + err.message; });
  }

  function levelsChart(el, data) {
    var keys = ["red", "yellow", "blue"];
    if (!keys.some(function (k) { return data[k] && data[k].count > 0; })) { empty(el); return; }
    draw(el, {
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{
        type: "pie", radius: ["40%", "70%"], label: { formatter: "{b}\n{c} 条" },
        data: keys.map(function (k) {
          return { name: (LEVELS[k] || k) + (data[k] ? "（待处理 " + data[k].open + "）" : ""), value: data[k] ? data[k].count : 0,
                   itemStyle: { color: COLORS[k] } };
        })
      }]
    });
  }

  function rulesChart(el, rows) {
    if (!rows.length) { empty(el); return; }
    draw(el, {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return yuan(v) + " 元"; } },
      grid: { left: 8, right: 40, top: 16, bottom: 28, containLabel: true },
      xAxis: { type: "value", name: "元" },
      yAxis: { type: "category", data: rows.map(function (r) {
        var t = r.title || ""; return r.rule_id + " " + (t.length > 10 ? t.slice(0, 10) + "…" : t) + "（" + r.count + "）"; }) },
      series: [{ type: "bar", name: "风险金额", data: rows.map(function (r) {
        return { value: Number(r.amount), itemStyle: { color: COLORS[r.level] || COLORS.red } }; }) }]
    });
  }

  function statusChart(el, s) {
    var names = LABELS.case_status || {};
    var colors = { approved: COLORS.green, review: COLORS.yellow, rejected: COLORS.red, returned: COLORS.grey, received: COLORS.blue };
    var keys = Object.keys(s.by_status || {});
    if (!keys.length) { empty(el); return; }
    draw(el, {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, top: 16, bottom: 28, containLabel: true },
      xAxis: { type: "category", data: keys.map(function (k) { return names[k] || k; }) },
      yAxis: { type: "value", name: "件", minInterval: 1 },
      series: [{ type: "bar", name: "申请", data: keys.map(function (k) {
        return { value: s.by_status[k], itemStyle: { color: colors[k] || COLORS.blue } }; }),
        label: { show: true, position: "top" } }]
    });
  }

  function paymentsChart(el, rows) {
    if (!rows.length) { empty(el); return; }
    draw(el, {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return yuan(v) + " 元"; } },
      grid: { left: 80, right: 24, top: 16, bottom: 32 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.period; }) },
      yAxis: { type: "value", name: "元" },
      series: [{ type: "bar", name: "发放金额", data: rows.map(function (r) { return Number(r.amount); }),
                 itemStyle: { color: COLORS.blue } }]
    });
  }

  function casesChart(el, s) {
    var parts = [
      ["自动办结", s.straight_through_rate, COLORS.green], ["人工复核", s.review_rate, COLORS.yellow],
      [(LABELS.case_status || {}).rejected || "不予核准", s.rejection_rate, COLORS.red]
    ];
    if (!parts.some(function (p) { return Number(p[1] || 0) > 0; })) { empty(el); return; }
    draw(el, {
      tooltip: { trigger: "item", valueFormatter: function (v) { return (v * 100).toFixed(1) + "%"; } },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "70%"], label: { formatter: function (p) { return p.name + "\n" + (p.value * 100).toFixed(1) + "%"; } },
                 data: parts.map(function (p) { return { name: p[0], value: Number(p[1] || 0), itemStyle: { color: p[2] } }; }) }]
    });
  }

  function historyChart(el, rows) {
    if (!rows.length) { empty(el); return; }
    draw(el, {
      tooltip: { trigger: "axis" },
      grid: { left: 44, right: 44, top: 24, bottom: 28 },
      xAxis: { type: "category", data: rows.map(function (r) { return String(r.year); }) },
      yAxis: [{ type: "value", name: "缴费指数" }, { type: "value", name: "月数", max: 12 }],
      series: [
        { type: "bar", name: "缴费月数", yAxisIndex: 1, data: rows.map(function (r) { return r.months; }), itemStyle: { color: "#c9d6e3" } },
        { type: "line", name: "缴费指数", data: rows.map(function (r) { return Number(r.avg_index); }), itemStyle: { color: COLORS.blue } }
      ]
    });
  }

  // A generic grouped bar chart any page can use: {labels: [...], series: [{name, values: [...]}]}.
  function barsChart(el, d) {
    if (!d.labels || !d.labels.length) { empty(el); return; }
    var palette = [COLORS.blue, COLORS.green, COLORS.yellow, COLORS.red, "#7b61a8", "#8a8f96"];
    draw(el, {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 52, right: 16, top: 24, bottom: 56 },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value" },
      series: d.series.map(function (s, i) {
        return { type: "bar", name: s.name, data: s.values.map(Number), itemStyle: { color: palette[i % palette.length] } };
      })
    });
  }

  var CHARTS = { levels: levelsChart, rules: rulesChart, payments: paymentsChart, cases: casesChart, status: statusChart, history: historyChart, bars: barsChart };

  function initCharts(root) {
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-rendered")) return;
      var kind = el.getAttribute("data-chart");
      if (kind === "plan") { planChart(el); return; }
      var data = readJson(el.getAttribute("data-source"));
      if (data && CHARTS[kind]) CHARTS[kind](el, data);
    });
  }

  function initChat() {
    var form = document.querySelector('[data-testid="ask-form"]');
    if (!form) return;
    var input = form.querySelector('input[name="question"]');
    document.addEventListener("click", function (ev) {
      var chip = ev.target.closest("[data-example]");
      if (!chip) return;
      input.value = chip.getAttribute("data-example");
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
    document.body.addEventListener("htmx:beforeRequest", function (ev) {
      if (ev.detail.elt !== form) return;
      if (!input.value.trim()) { ev.preventDefault(); return; }
      form.querySelector("button[type=submit]").disabled = true;
    });
    document.body.addEventListener("htmx:afterRequest", function (ev) {
      if (ev.detail.elt !== form) return;
      form.querySelector("button[type=submit]").disabled = false;
      if (ev.detail.successful) input.value = "";
      // the new answer is read from its start: scroll its question to the top, not the log to its end
      var log = document.getElementById("chat-log");
      var turns = log.querySelectorAll('[data-testid="question"]');
      var last = turns.length ? turns[turns.length - 1] : null;
      if (last) {
        last.scrollIntoView({block: "start"});
      }
    });
  }

  // Masked personal data: "查看" asks for a reason; the server logs who, what and why, then answers
  // with the value, which replaces the masked one on the page (never kept anywhere else).
  function initReveal() {
    document.addEventListener("submit", function (ev) {
      var form = ev.target.closest("[data-reveal-form]");
      if (!form) return;
      ev.preventDefault();
      var box = form.closest("[data-pii]");
      var out = form.querySelector(".reveal-error");
      out.textContent = "";
      fetch(form.action, { method: "POST", credentials: "same-origin", body: new URLSearchParams(new FormData(form)) })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) { out.textContent = res.body.detail || "未能显示"; return; }
          var value = box.querySelector(".pii-value");
          value.textContent = res.body.value;
          value.classList.add("pii-revealed");
          value.setAttribute("data-revealed", "1");
          var details = form.closest("details");
          if (details) details.remove();
        })
        .catch(function () { out.textContent = "网络错误，请重试"; });
    });
  }

  // A tab bar wider than the screen scrolls; a fading edge shows that more tabs follow.
  function initScrollCue() {
    document.querySelectorAll(".portal-nav, .side-nav, [data-scroll-cue]").forEach(function (bar) {
      function update() {
        var scrolls = bar.scrollWidth > bar.clientWidth + 1;
        if (scrolls) bar.setAttribute("data-scrolls", "1"); else bar.removeAttribute("data-scrolls");
        if (bar.scrollLeft + bar.clientWidth >= bar.scrollWidth - 2) bar.setAttribute("data-at-end", "1");
        else bar.removeAttribute("data-at-end");
      }
      bar.addEventListener("scroll", update, { passive: true });
      window.addEventListener("resize", update);
      update();
      var current = bar.querySelector('[aria-current="page"]');
      if (current && scrollsIntoView(bar, current)) current.scrollIntoView({ block: "nearest", inline: "center" });
    });
  }

  function scrollsIntoView(bar, el) {
    return bar.scrollWidth > bar.clientWidth && (el.offsetLeft + el.offsetWidth > bar.clientWidth);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initReveal();
    initScrollCue();
    initCharts(document);
    initChat();
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-confirm]").forEach(function (b) {
      b.addEventListener("click", function (ev) { if (!window.confirm(b.getAttribute("data-confirm"))) ev.preventDefault(); });
    });
  });
})();

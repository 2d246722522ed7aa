// The dashboard: the live panel refreshes itself every LIVE_EVERY_MS; the history is read for
// the chosen range. Every chart is drawn by plotly.js served by the dashboard itself.
"use strict";

const LIVE_EVERY_MS = 3000;
const LAYOUT = {
  height: 320, margin: {l: 60, r: 20, t: 10, b: 60}, font: {family: "DejaVu Sans, Arial", size: 12},
};
const CONFIG = {displaylogo: false, responsive: true};
const money = new Intl.NumberFormat("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});
const count = new Intl.NumberFormat("en-US");

async function getJson(url) {
  const answer = await fetch(url, {credentials: "same-origin"});
  if (answer.status === 401) {
    window.location.assign("/login");
  }
  const body = await answer.json();
  if (!answer.ok) {
    throw new Error(body.message || answer.statusText);
  }
  return body;
}

function draw(name, traces, layout) {
  const chart = document.getElementById(`chart-${name}`);
  chart.nextElementSibling.textContent = "";
  chart.dataset.state = "drawn";
  Plotly.react(chart, traces, {...LAYOUT, ...layout}, CONFIG);
}

function noData(name, message) {
  const chart = document.getElementById(`chart-${name}`);
  Plotly.purge(chart);
  chart.dataset.state = "empty";
  chart.nextElementSibling.textContent = message;
}

function bars(name, rows, label, value, text) {
  draw(name, [{
    type: "bar", orientation: "h", x: rows.map((r) => r[value]).reverse(),
    y: rows.map((r) => r[label]).reverse(), hovertext: rows.map(text).reverse(),
    hoverinfo: "x+text",
  }], {margin: {...LAYOUT.margin, l: 170}, yaxis: {automargin: true}});
}

function showLive(live) {
  for (const span of ["today", "last_hour"]) {
    const figures = live[span];
    document.getElementById(`${span}-revenue`).textContent = money.format(figures.revenue);
    document.getElementById(`${span}-orders`).textContent = count.format(figures.orders);
    document.getElementById(`${span}-units`).textContent = count.format(figures.units);
    document.getElementById(`${span}-avg_order_value`).textContent =
      money.format(figures.avg_order_value);
  }
  const today = live.today;
  if (today.orders === 0) {
    noData("live_products", "No purchases today yet.");
    noData("live_categories", "No purchases today yet.");
    return;
  }
  bars("live_products", today.top_products, "name", "revenue",
    (r) => `${r.category}: ${count.format(r.units)} units`);
  bars("live_categories", today.top_categories, "category", "revenue",
    (r) => `${count.format(r.orders)} orders`);
}

async function refreshLive() {
  const status = document.getElementById("live-status");
  try {
    const live = await getJson("/live.json");
    showLive(live);
    status.textContent = `as of ${live.now.slice(11, 19)} UTC, every ${LIVE_EVERY_MS / 1000} s`;
  } catch (error) {
    status.textContent = `not refreshed: ${error.message}`;
  } finally {
    window.setTimeout(refreshLive, LIVE_EVERY_MS);
  }
}

const HISTORY = {
  revenue_per_day: (rows) => draw("revenue_per_day", [
    {type: "bar", name: "revenue", x: rows.map((r) => r.day), y: rows.map((r) => r.revenue)},
    {type: "scatter", mode: "lines+markers", name: "average order", yaxis: "y2",
     x: rows.map((r) => r.day), y: rows.map((r) => r.avg_order_value)},
  ], {xaxis: {type: "category"}, yaxis: {title: {text: "revenue"}},
      legend: {orientation: "h", y: -0.2},
      yaxis2: {title: {text: "average order"}, overlaying: "y", side: "right"}}),
  categories: (rows) => draw("categories", [{
    type: "pie", labels: rows.map((r) => r.category), values: rows.map((r) => r.revenue),
    textinfo: "percent", textposition: "inside", insidetextorientation: "horizontal",
  }], {margin: {l: 20, r: 20, t: 10, b: 10}}),
  top_products: (rows) => bars("top_products", rows, "name", "revenue",
    (r) => `${r.category}: ${count.format(r.units)} units`),
  sellers: (rows) => bars("sellers", rows, "seller_name", "revenue",
    (r) => `${count.format(r.orders)} orders`),
  rfm_segments: (rows) => {
    document.getElementById("rfm-as-of").textContent = `as of ${rows[0].snapshot}`;
    draw("rfm_segments", [{
      type: "bar", x: rows.map((r) => r.rfm_segment), y: rows.map((r) => r.clients),
      hovertext: rows.map((r) => `revenue ${money.format(r.revenue)}`),
    }], {yaxis: {title: {text: "clients"}}});
  },
  cohorts: (rows) => {
    document.getElementById("cohorts-as-of").textContent = `as of ${rows[0].snapshot}`;
    const cohorts = [...new Set(rows.map((r) => r.cohort_month))];
    const months = [...new Set(rows.map((r) => r.months_since))].sort((a, b) => a - b);
    const share = cohorts.map((c) => months.map((m) => {
      const row = rows.find((r) => r.cohort_month === c && r.months_since === m);
      return row ? row.retention : null;
    }));
    draw("cohorts", [{
      type: "heatmap", x: months, y: cohorts, z: share, zmin: 0, zmax: 1,
      colorscale: "Blues", reversescale: true, hovertemplate: "cohort %{y}, month %{x}: %{z:.0%}<extra></extra>",
    }], {xaxis: {title: {text: "months since the first purchase"}, dtick: 1},
        yaxis: {type: "category", automargin: true}});
  },
};

async function showHistory(first, last) {
  const status = document.getElementById("history-status");
  const query = new URLSearchParams();
  if (first) query.set("first", first);
  if (last) query.set("last", last);
  status.textContent = "loading…";
  try {
    const history = await getJson(`/history.json?${query}`);
    document.getElementById("first").value = history.first;
    document.getElementById("last").value = history.last;
    for (const [name, chart] of Object.entries(history.charts)) {
      if (chart.rows) {
        HISTORY[name](chart.rows);
      } else {
        noData(name, chart.message);
      }
    }
    status.textContent = "";
  } catch (error) {
    status.textContent = `not loaded: ${error.message}`;
  }
}

document.getElementById("range").addEventListener("submit", (event) => {
  event.preventDefault();
  showHistory(document.getElementById("first").value, document.getElementById("last").value);
});
refreshLive();
showHistory();

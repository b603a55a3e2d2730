// The effectiveness page: headline figures, the forest plot of uplift per group, the trend on a
// time axis, the funnel; every chart beside its table, every table with its CSV export.
import { autoRefresh, colour, csvHref, drawChart, fillFilters, formatValue, loadJson, renderTable, setStatus, unlessUnchanged } from './common.js';

const REFRESH_SECONDS = 60;
const MAIN_STAGES = ['decided', 'intervened (not holdout)', 'sent (incl. bounced)', 'delivered', 'opened', 'clicked', 'responded'];
const pct = (value) => (value === null ? null : value * 100);
const text = (id, value) => {
  document.getElementById(id).textContent = value;
};

function renderCards(m, share) {
  const h = m.holdout_comparison;
  text('total', formatValue(m.total_interventions, 'count'));
  text('maturing', `${formatValue(m.matured_interventions, 'count')} matured, ${formatValue(m.maturing_interventions, 'count')} still maturing`);
  text('success', formatValue(m.success_rate, 'percent'));
  text('prevented', `${formatValue(m.prevented_defaults, 'count')} without default, ${formatValue(m.defaults_occurred, 'count')} defaulted`);
  text('uplift', formatValue(h.absolute_uplift, 'points'));
  text('uplift-ci', h.ci_low === null ? 'not enough matured outcomes yet' : `95% CI ${formatValue(h.ci_low, 'points')} to ${formatValue(h.ci_high, 'points')}`);
  text('rates', `${formatValue(h.treated_default_rate, 'percent')} · ${formatValue(h.holdout_default_rate, 'percent')}`);
  text('groups', `n = ${formatValue(h.treated_n, 'count')} treated, ${formatValue(h.holdout_n, 'count')} holdout (matured)`);
  text('share', `${formatValue(share.observed, 'percent')} · ${formatValue(share.configured, 'percent')}`);
  text('share-ci', share.observed === null ? 'no interventions yet' : `95% CI ${formatValue(share.ci_low, 'percent')} to ${formatValue(share.ci_high, 'percent')} of ${formatValue(share.interventions, 'count')}`);
  text('decided', formatValue(m.decisions.evaluated, 'count'));
  text('decisions', `${formatValue(m.decisions.intervention, 'count')} intervention, ${formatValue(m.decisions.holdout, 'count')} holdout, ${formatValue(m.decisions.no_intervention, 'count')} none`);
}

/** Point and 95% interval per group, with the zero line drawn darker than the grid. */
function drawForest(table) {
  const rows = table.rows.filter((row) => row.cells.uplift !== null);
  const labels = rows.map((row) => (row.cells.grouping === 'strategy' ? `strategy: ${row.cells.group}` : row.cells.group));
  const bounds = rows.flatMap((row) => [pct(row.cells.ci_low), pct(row.cells.ci_high)]);
  // Symmetric around zero, to the next 10 points, so the zero line sits in the middle.
  const reach = Math.ceil((Math.max(5, ...bounds.map(Math.abs)) * 1.05) / 10) * 10;
  drawChart(
    'forest-chart',
    {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: '95% confidence interval', data: rows.map((row) => [pct(row.cells.ci_low), pct(row.cells.ci_high)]), backgroundColor: colour('band'), borderColor: colour('treated'), borderWidth: 1, barThickness: 8 },
          { type: 'scatter', label: 'Uplift', data: rows.map((row, i) => ({ x: pct(row.cells.uplift), y: labels[i] })), backgroundColor: colour('treated'), borderColor: colour('treated'), pointStyle: 'rectRot', pointRadius: 7 },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: {
          x: {
            min: -reach,
            max: reach,
            title: { display: true, text: 'uplift, percentage points (holdout − treated default rate)' },
            grid: { color: (ctx) => (ctx.tick.value === 0 ? colour('zero') : colour('grid')), lineWidth: (ctx) => (ctx.tick.value === 0 ? 2 : 1) },
          },
          y: { type: 'category' },
        },
        plugins: { tooltip: { callbacks: { label: (ctx) => (ctx.dataset.type === 'scatter' ? `uplift ${ctx.parsed.x.toFixed(1)} pts` : `95% CI ${ctx.raw[0].toFixed(1)} to ${ctx.raw[1].toFixed(1)} pts`) } } },
        onClick: (_event, elements) => {
          const row = rows[elements[0]?.index];
          if (row?.links?.treated) location.href = row.links.treated;
        },
      },
    },
    rows.length > 0,
  );
}

function drawTrend(table, bucket) {
  const points = table.rows.map((row) => row.cells);
  const at = (p) => Date.parse(p.measured_at);
  const withUplift = points.filter((p) => p.uplift !== null);
  const time = { type: 'time', time: { unit: bucket, tooltipFormat: bucket === 'day' ? 'd LLL yyyy' : 'd LLL yyyy HH:mm' }, adapters: { date: { zone: 'UTC' } } };
  drawChart(
    'trend-chart',
    {
      type: 'line',
      data: {
        datasets: [
          { label: '95% CI high', data: withUplift.map((p) => ({ x: at(p), y: pct(p.ci_high) })), borderWidth: 0, pointRadius: 0, backgroundColor: colour('band'), fill: '+1' },
          { label: '95% CI low', data: withUplift.map((p) => ({ x: at(p), y: pct(p.ci_low) })), borderWidth: 0, pointRadius: 0, fill: false },
          { label: 'Uplift (pts)', data: withUplift.map((p) => ({ x: at(p), y: pct(p.uplift) })), borderColor: colour('treated'), backgroundColor: colour('treated'), pointRadius: 2, fill: false },
        ],
      },
      options: {
        scales: { x: time, y: { title: { display: true, text: 'percentage points' }, grid: { color: (ctx) => (ctx.tick.value === 0 ? colour('zero') : colour('grid')) } } },
        plugins: { legend: { labels: { filter: (item) => item.text === 'Uplift (pts)' } } },
      },
    },
    withUplift.length > 0,
  );
  const counted = points.filter((p) => p.treated !== null);
  drawChart(
    'volume-chart',
    {
      type: 'line',
      data: {
        datasets: [
          { label: 'Interventions (treated)', data: counted.map((p) => ({ x: at(p), y: p.treated })), borderColor: colour('treated'), backgroundColor: colour('treated'), pointRadius: 2, yAxisID: 'y' },
          { label: 'No-default rate (%)', data: counted.filter((p) => p.success_rate !== null).map((p) => ({ x: at(p), y: pct(p.success_rate) })), borderColor: colour('holdout'), backgroundColor: colour('holdout'), borderDash: [6, 3], pointRadius: 2, yAxisID: 'rate' },
        ],
      },
      options: {
        scales: {
          x: time,
          y: { beginAtZero: true, title: { display: true, text: 'interventions' } },
          rate: { position: 'right', min: 0, max: 100, title: { display: true, text: 'no-default rate, %' }, grid: { drawOnChartArea: false } },
        },
      },
    },
    counted.length > 0,
  );
}

function drawFunnel(table, funnel) {
  const byKey = new Map(table.rows.map((row) => [`${row.cells.channel}|${row.cells.stage}`, row]));
  drawChart(
    'funnel-chart',
    {
      type: 'bar',
      data: {
        labels: MAIN_STAGES,
        datasets: funnel.map((f) => {
          const channel = f.channel.replaceAll('_', ' ');
          return { label: channel, data: MAIN_STAGES.map((stage) => byKey.get(`${channel}|${stage}`)?.cells.count ?? null), backgroundColor: colour(f.channel) };
        }),
      },
      options: {
        scales: { y: { beginAtZero: true, title: { display: true, text: 'interventions' } } },
        onClick: (_event, elements) => {
          const hit = elements[0];
          if (!hit) return;
          const channel = funnel[hit.datasetIndex].channel.replaceAll('_', ' ');
          const href = byKey.get(`${channel}|${MAIN_STAGES[hit.index]}`)?.links?.count;
          if (href) location.href = href;
        },
      },
    },
    funnel.some((f) => f.decided > 0),
  );
}

function renderTables(tables) {
  for (const container of document.querySelectorAll('[data-table]')) {
    const table = tables[container.dataset.table];
    renderTable(table, container, { layout: table.name === 'summary' ? 'transposed' : 'rows' });
  }
  for (const link of document.querySelectorAll('[data-csv]')) link.href = csvHref(link.dataset.csv);
}

const STATES = {
  no_scores: () => {
    const p = document.createDocumentFragment();
    p.append('No scores yet: run ');
    const code = document.createElement('code');
    code.textContent = 'npm run enqueue -- scores.csv';
    p.append(code, ' with a scoring batch (CSV or JSONL), or ');
    const demo = document.createElement('code');
    demo.textContent = 'npm run demo';
    p.append(demo, ' for a synthetic portfolio; the figures appear here as the workers decide.');
    return p;
  },
  no_match: () => 'No interventions match these filters in this period.',
};

const render = unlessUnchanged((data) => {
  const { metrics, tables } = data;
  fillFilters(document.getElementById('filters'), data.filters, data.options.strategies);
  const period = data.filters.from || data.filters.to ? `${formatValue(metrics.period_start, 'datetime')} to ${formatValue(metrics.period_end, 'datetime')}` : `Last ${metrics.period_days} days`;
  text('period', `${period} · outcomes after ${metrics.outcome_window_days} days · measured ${formatValue(metrics.measured_at, 'datetime')}`);
  setStatus(data.state === 'ok' ? null : 'empty', STATES[data.state]?.() ?? null);
  renderCards(metrics, data.holdout_share);
  renderTables(tables);
  text('trend-notes', data.trend.notes.join(' '));
  drawForest(tables.uplift);
  drawTrend(tables.trend, data.trend.bucket);
  drawFunnel(tables.funnel, metrics.delivery_funnel);
  document.body.dataset.loaded = 'true';
});

autoRefresh(async ({ redraw = false } = {}) => {
  try {
    render(await loadJson(`/dashboard/data${location.search}`), { redraw });
  } catch (error) {
    setStatus('error', `Could not load the metrics: ${error.message}`);
    text('period', '');
    document.body.dataset.loaded = 'error';
  }
}, REFRESH_SECONDS);

// Draws the dashboard from /dashboard/data. Each canvas gets data-rendered="true" once its
// chart is drawn, which the browser test checks.
const percent = (value, digits = 1) => (value === null || value === undefined ? '–' : `${(value * 100).toFixed(digits)}%`);
const points = (value) => (value === null || value === undefined ? '–' : `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} pts`);
const COLORS = { treated: '#2563eb', holdout: '#9ca3af', band: 'rgba(37, 99, 235, 0.15)' };

function draw(id, config) {
  const canvas = document.getElementById(id);
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
  new Chart(canvas, config);
  canvas.dataset.rendered = 'true';
}

// A figure with its interval, e.g. "12.5% (9.1% to 15.9%)"; "–" while nothing has matured.
function withInterval(estimate, format) {
  if (!estimate || estimate.value === null) return '–';
  return `${format(estimate.value)} <span class="ci">(${format(estimate.ci_low)} to ${format(estimate.ci_high)})</span>`;
}

function renderStrategies(strategies) {
  const table = document.getElementById('strategies-table');
  const body = table.querySelector('tbody');
  body.replaceChildren(
    ...strategies.map((s) => {
      const row = document.createElement('tr');
      row.dataset.strategy = s.strategy;
      const role = s.champion ? 'champion' : s.active ? 'challenger' : 'retired';
      const cells = [
        s.strategy,
        role,
        `${s.total_interventions.toLocaleString()} (${s.matured_interventions.toLocaleString()})`,
        s.treated_customers.toLocaleString(),
        withInterval(s.default_rate, percent),
        `${percent(s.holdout_default_rate.value)} (${s.holdout_matured.toLocaleString()})`,
        withInterval(s.uplift_vs_holdout, points),
        s.difference_vs_champion ? withInterval(s.difference_vs_champion, points) : '–',
      ];
      for (const [i, content] of cells.entries()) {
        const cell = document.createElement('td');
        // Only our own formatted numbers carry markup; names are set as text.
        if (i >= 4) cell.innerHTML = content;
        else cell.textContent = content;
        row.append(cell);
      }
      return row;
    }),
  );
  table.dataset.rendered = 'true';
}

function render({ current, snapshots, queues }) {
  const h = current.holdout_comparison;
  document.getElementById('period').textContent = `Last ${current.period_days} days · outcomes after ${current.outcome_window_days} days · measured ${new Date(current.measured_at).toLocaleString()}`;
  document.getElementById('total').textContent = current.total_interventions.toLocaleString();
  document.getElementById('maturing').textContent = `${current.matured_interventions.toLocaleString()} matured, ${current.maturing_interventions.toLocaleString()} still maturing`;
  document.getElementById('success').textContent = percent(current.success_rate);
  document.getElementById('prevented').textContent = `${current.prevented_defaults.toLocaleString()} without default, ${current.defaults_occurred.toLocaleString()} defaulted`;
  document.getElementById('uplift').textContent = points(h.absolute_uplift);
  document.getElementById('uplift-ci').textContent = h.ci_low === null ? 'not enough matured outcomes yet' : `95% CI ${points(h.ci_low)} to ${points(h.ci_high)}`;
  document.getElementById('rates').textContent = `${percent(h.treated_default_rate)} · ${percent(h.holdout_default_rate)}`;
  document.getElementById('groups').textContent = `n = ${h.treated_n.toLocaleString()} treated, ${h.holdout_n.toLocaleString()} holdout`;
  renderStrategies(current.by_strategy);

  const labels = snapshots.map((s) => new Date(s.measured_at).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));
  const pct = (v) => (v === null ? null : v * 100);
  draw('uplift-chart', {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: '95% CI high', data: snapshots.map((s) => pct(s.uplift_ci_high)), borderWidth: 0, pointRadius: 0, backgroundColor: COLORS.band, fill: '+1' },
        { label: '95% CI low', data: snapshots.map((s) => pct(s.uplift_ci_low)), borderWidth: 0, pointRadius: 0, fill: false },
        { label: 'Uplift (pts)', data: snapshots.map((s) => pct(s.absolute_uplift)), borderColor: COLORS.treated, backgroundColor: COLORS.treated, fill: false },
      ],
    },
    options: { scales: { y: { title: { display: true, text: 'percentage points' } } }, plugins: { legend: { labels: { filter: (item) => item.text === 'Uplift (pts)' } } } },
  });
  const types = current.by_intervention_type;
  draw('types-chart', {
    type: 'bar',
    data: {
      labels: types.map((t) => t.intervention_type.replace('_', ' ')),
      datasets: [
        { label: 'Treated', data: types.map((t) => t.total_interventions), backgroundColor: COLORS.treated },
        { label: 'Holdout', data: types.map((t) => t.holdout_interventions), backgroundColor: COLORS.holdout },
      ],
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true } } },
  });
  const stages = ['sent', 'delivered', 'opened', 'clicked', 'failed', 'suppressed'];
  const palette = ['#2563eb', '#0891b2', '#059669', '#65a30d', '#dc2626', '#9ca3af'];
  draw('funnel-chart', {
    type: 'bar',
    data: {
      labels: current.delivery_funnel.map((f) => f.channel.replace('_', ' ')),
      datasets: stages.map((stage, i) => ({ label: stage, data: current.delivery_funnel.map((f) => f[stage]), backgroundColor: palette[i] })),
    },
  });
  const states = ['waiting', 'active', 'delayed', 'failed'];
  draw('queues-chart', {
    type: 'bar',
    data: {
      labels: queues.map((q) => q.queue),
      datasets: states.map((state, i) => ({ label: state, data: queues.map((q) => q.counts[state] ?? 0), backgroundColor: palette[i] })),
    },
    options: { indexAxis: 'y', scales: { x: { stacked: true }, y: { stacked: true } } },
  });
}

fetch('/dashboard/data', { credentials: 'same-origin' })
  .then((res) => (res.ok ? res.json() : Promise.reject(new Error(`HTTP ${res.status}`))))
  .then(render)
  .catch((error) => {
    const box = document.getElementById('error');
    box.hidden = false;
    box.textContent = `Could not load the metrics: ${error.message}`;
  });

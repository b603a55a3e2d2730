// The operator's page: queue depths (failed in red), failures with their last error, the oldest
// waiting job and throughput now; refreshed every few seconds until paused.
import { autoRefresh, colour, csvHref, drawChart, formatValue, loadJson, renderTable, setStatus, unlessUnchanged } from './common.js';

const REFRESH_SECONDS = 10;
const STATES = ['waiting', 'active', 'delayed', 'failed'];
const text = (id, value) => {
  document.getElementById(id).textContent = value;
};

function renderFailures(queues) {
  const failing = queues.filter((q) => q.failed > 0);
  const box = document.getElementById('failures');
  if (failing.length === 0) {
    box.textContent = 'No failed jobs.';
    return;
  }
  const list = document.createElement('dl');
  for (const q of failing) {
    const term = document.createElement('dt');
    const link = document.createElement('a');
    link.href = `/admin/queues/queue/${encodeURIComponent(q.queue)}?status=failed`;
    link.textContent = `${q.queue}: ${formatValue(q.failed, 'count')} failed`;
    term.append(link);
    const detail = document.createElement('dd');
    const last = q.last_failure;
    detail.textContent = last ? `last at ${formatValue(last.failed_at, 'datetime')}, job ${last.job_id} after ${last.attempts} attempt(s): ${last.error}` : '';
    list.append(term, detail);
  }
  box.replaceChildren(list);
}

const render = unlessUnchanged((data) => {
  const { queues } = data;
  setStatus(null);
  text('measured', `Measured ${formatValue(data.measured_at, 'datetime')}`);
  const sum = (key) => queues.reduce((total, q) => total + q[key], 0);
  text('waiting', formatValue(sum('waiting'), 'count'));
  text('delayed', `${formatValue(sum('delayed'), 'count')} delayed (retries, quiet hours), ${formatValue(sum('active'), 'count')} active`);
  const oldest = queues.filter((q) => q.oldest_waiting_seconds !== null).sort((a, b) => b.oldest_waiting_seconds - a.oldest_waiting_seconds)[0];
  text('oldest', oldest ? formatValue(oldest.oldest_waiting_seconds, 'seconds') : '–');
  text('oldest-queue', oldest ? `in ${oldest.queue}` : 'nothing is waiting');
  text('throughput', formatValue(sum('completed_per_minute'), 'per_minute'));
  text('failed', formatValue(sum('failed'), 'count'));
  text('failed-queues', `${queues.filter((q) => q.failed > 0).length} queue(s) with failures`);
  renderFailures(queues);
  renderTable(data.tables.queues, document.querySelector('[data-table="queues"]'));
  document.querySelector('[data-csv="queues"]').href = csvHref('queues', '');
  drawChart(
    'queues-chart',
    {
      type: 'bar',
      data: {
        labels: queues.map((q) => q.queue),
        datasets: STATES.map((state) => ({ label: state, data: queues.map((q) => q[state]), backgroundColor: colour(state) })),
      },
      options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'jobs' } }, y: { stacked: true } } },
    },
    queues.some((q) => STATES.some((state) => q[state] > 0)),
  );
  document.body.dataset.loaded = 'true';
});

autoRefresh(async ({ redraw = false } = {}) => {
  try {
    render(await loadJson('/dashboard/data/operations'), { redraw });
  } catch (error) {
    setStatus('error', `Could not load the queues: ${error.message}`);
    document.body.dataset.loaded = 'error';
  }
}, REFRESH_SECONDS);

// The interventions behind a figure: the page's URL carries the filter and the figure; each row
// links to the intervention (JSON) and to its customer's page.
import { loadJson, renderTable, setStatus } from './common.js';

const query = new URLSearchParams(location.search);
const FILTERS = ['from', 'to', 'type', 'channel', 'strategy'];

function withQuery(path, changes) {
  const next = new URLSearchParams(query);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) next.delete(key);
    else next.set(key, value);
  }
  const text = next.toString();
  return text ? `${path}?${text}` : path;
}

try {
  const data = await loadJson(withQuery('/dashboard/data/interventions', {}));
  document.getElementById('figure-title').textContent = data.title;
  const given = FILTERS.filter((key) => data.filters[key]).map((key) => `${key} ${data.filters[key]}`);
  document.getElementById('filter-summary').textContent = given.length ? `Filtered by ${given.join(', ')}.` : 'Last 90 days, every type, channel and strategy.';
  const back = new URLSearchParams();
  for (const key of FILTERS) if (data.filters[key]) back.set(key, data.filters[key]);
  document.getElementById('back').href = `/dashboard${back.size ? `?${back}` : ''}`;
  document.getElementById('csv').href = withQuery('/dashboard/export/interventions.csv', { after: null });
  const table = data.tables.interventions;
  renderTable(table, document.querySelector('[data-table="interventions"]'));
  if (data.next) {
    const next = document.getElementById('next');
    next.href = withQuery('/dashboard/interventions', { after: data.next });
    next.hidden = false;
  }
  if (query.has('after')) {
    const first = document.getElementById('first');
    first.href = withQuery('/dashboard/interventions', { after: null });
    first.hidden = false;
  }
  setStatus(table.rows.length === 0 ? 'empty' : null, table.rows.length === 0 ? 'No interventions behind this figure.' : null);
  document.body.dataset.loaded = 'true';
} catch (error) {
  setStatus('error', `Could not load the interventions: ${error.message}`);
  document.body.dataset.loaded = 'error';
}

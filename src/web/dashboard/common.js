// What every dashboard page shares: loading JSON with its error, the status line at the top,
// the tables (each with data-value holding the raw value the CSV export has), chart colours
// from the page's light or dark scheme, and the pausable auto-refresh.

/** One decimal, never "-0.0"; with `signed`, a plus sign for positive values. */
function fixed(value, signed = false) {
  const text = value.toFixed(1);
  const shown = Number(text) === 0 ? (0).toFixed(1) : text;
  return signed && Number(shown) > 0 ? `+${shown}` : shown;
}

/** A value as the page shows it; the raw value stays in the cell's data-value. */
export function formatValue(value, format) {
  if (value === null || value === undefined || value === '') return '–';
  switch (format) {
    case 'count':
      return Number(value).toLocaleString('en-US');
    case 'percent':
      return `${fixed(value * 100)}%`;
    case 'points':
      return `${fixed(value * 100, true)} pts`;
    case 'per_minute':
      return `${Number(value).toFixed(1)}/min`;
    case 'seconds':
      return formatDuration(value);
    case 'datetime':
      return new Date(value).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
    default:
      return String(value);
  }
}

export function formatDuration(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
}

const NUMERIC = new Set(['count', 'percent', 'points', 'per_minute', 'seconds']);

/** Fetches JSON; a failure rejects with the server's own one-line error when it gave one. */
export async function loadJson(url) {
  const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (!res.ok) {
    // A body that is not JSON (a proxy's page, say) leaves the status to say it.
    const body = await res.json().catch(() => null);
    throw new Error(body && typeof body.error === 'string' ? body.error : `HTTP ${res.status}`);
  }
  return res.json();
}

/** The line at the top of the page: loading, empty, error, or nothing. Text only, or a prepared node. */
export function setStatus(kind, content) {
  const box = document.getElementById('status');
  box.hidden = kind === null;
  box.dataset.kind = kind ?? '';
  // An error is announced at once; loading and empty states politely.
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  box.replaceChildren();
  if (content instanceof Node) box.append(content);
  else if (content) box.textContent = content;
}

/** A table from the server's description; `layout: 'transposed'` shows one row as label/value pairs. */
export function renderTable(table, container, options = {}) {
  const element = document.createElement('table');
  element.dataset.table = table.name;
  if (options.layout === 'transposed') element.className = 'transposed';
  const caption = element.createCaption();
  caption.textContent = table.caption;
  const cell = (row, column, tag) => {
    const td = document.createElement(tag);
    const value = row.cells[column.key];
    td.dataset.key = column.key;
    td.dataset.value = value === null || value === undefined ? '' : String(value);
    if (NUMERIC.has(column.format)) td.className = 'num';
    const text = formatValue(value, column.format);
    const href = row.links?.[column.key];
    if (href && value !== null) {
      const a = document.createElement('a');
      a.href = href;
      a.textContent = text;
      td.append(a);
    } else td.textContent = text;
    return td;
  };
  if (options.layout === 'transposed') {
    const body = element.createTBody();
    const row = table.rows[0] ?? { cells: {} };
    for (const column of table.columns) {
      const tr = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = column.label;
      tr.append(th, cell(row, column, 'td'));
    }
  } else {
    const head = element.createTHead().insertRow();
    for (const column of table.columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = column.label;
      head.append(th);
    }
    const body = element.createTBody();
    for (const row of table.rows) {
      const tr = body.insertRow();
      for (const column of table.columns) tr.append(cell(row, column, 'td'));
    }
  }
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  // A table wider than a phone scrolls inside its box, reachable from the keyboard.
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', table.caption);
  wrap.append(element);
  container.replaceChildren(wrap);
}

/** The CSV export of a table under the page's own query (its filters). */
export function csvHref(name, query = location.search) {
  return `/dashboard/export/${name}.csv${query}`;
}

export function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim();
}

const charts = new Map();

/**
 * (Re)draws the chart of a canvas, or says there is nothing to draw instead of bare axes.
 * Sets data-rendered on the canvas once drawn (the browser tests wait for it).
 */
export function drawChart(id, config, drawable = true) {
  const canvas = document.getElementById(id);
  const empty = canvas.parentElement.querySelector('.empty-chart');
  charts.get(id)?.destroy();
  charts.delete(id);
  canvas.hidden = !drawable;
  if (empty) empty.hidden = drawable;
  if (!drawable) {
    canvas.dataset.rendered = 'empty';
    return;
  }
  const Chart = window.Chart;
  Chart.defaults.color = colour('muted');
  Chart.defaults.borderColor = colour('grid');
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
  charts.set(id, new Chart(canvas, config));
  canvas.dataset.rendered = 'true';
}

/**
 * Calls `load` now and every `seconds` after the previous load finished, until paused with the
 * page's #refresh-toggle; also redraws when the colour scheme changes. Returns a reload function.
 */
export function autoRefresh(load, seconds) {
  const toggle = document.getElementById('refresh-toggle');
  const updated = document.getElementById('updated');
  let timer = null;
  let paused = false;
  const schedule = () => {
    clearTimeout(timer);
    if (!paused) timer = setTimeout(run, seconds * 1000);
  };
  const run = async () => {
    await load();
    updated.textContent = `Updated ${new Date().toLocaleTimeString('en-GB')} · every ${seconds} s`;
    schedule();
  };
  toggle.addEventListener('click', () => {
    paused = !paused;
    toggle.setAttribute('aria-pressed', String(paused));
    toggle.textContent = paused ? 'Resume auto-refresh' : 'Pause auto-refresh';
    if (paused) clearTimeout(timer);
    else void run();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => void load({ redraw: true }));
  void run();
}

/** Runs `render(data)` only when the data changed, so that a refresh keeps the reader's place and focus. */
export function unlessUnchanged(render) {
  let previous = null;
  return (data, { redraw = false } = {}) => {
    const key = JSON.stringify(data);
    if (!redraw && key === previous) return;
    previous = key;
    render(data);
  };
}

/** The filter form's fields from the URL, and the strategy choices from the data. */
export function fillFilters(form, filters, strategies) {
  const select = form.elements.namedItem('strategy');
  const wanted = filters.strategy ?? '';
  const names = [...new Set([...strategies, ...(wanted ? [wanted] : [])])];
  select.replaceChildren(new Option('All strategies', ''), ...names.map((name) => new Option(name, name)));
  for (const key of ['from', 'to', 'type', 'channel', 'strategy']) form.elements.namedItem(key).value = filters[key] ?? '';
}

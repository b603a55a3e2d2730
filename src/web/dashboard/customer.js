// The customer timeline page: searches a customer id, shows its events newest first, a page at a
// time. Everything from the server is written with textContent, never as HTML.
const form = document.getElementById('search');
const input = document.getElementById('customer-id');
const statusLine = document.getElementById('status');
const errorBox = document.getElementById('error');
const result = document.getElementById('result');
const title = document.getElementById('result-title');
const list = document.getElementById('entries');
const older = document.getElementById('older');
let current = { id: null, next: null };

const KINDS = {
  score: 'Score',
  decision: 'Decision',
  intervention: 'Intervention',
  delivery: 'Delivery',
  delivery_event: 'Provider event',
  response: 'Response',
  suppression: 'Opt-out',
  preference_change: 'Choices changed',
  erasure: 'Erasure',
};
const words = (value) => String(value).replace(/_/g, ' ');
const joined = (parts) => parts.filter((part) => part !== null && part !== undefined && part !== '').join(' · ');

function describe(entry) {
  const d = entry.detail;
  switch (entry.kind) {
    case 'score':
      return joined([`risk ${Number(d.risk_score).toFixed(2)}`, d.risk_level]);
    case 'decision':
      return joined([words(d.outcome), d.intervention_type && words(d.intervention_type), d.reason && `reason ${words(d.reason)}`, `trend ${words(d.trend)}`, d.strategy && `strategy ${d.strategy}`, `policy ${d.policy_version}`]);
    case 'intervention':
      return joined([`#${d.intervention_id} ${words(d.intervention_type)}`, d.urgency, d.holdout ? 'holdout: nothing sent' : `by ${d.channels.map(words).join(', ')}`, d.strategy && `strategy ${d.strategy}`, `status ${d.delivery_status}`, d.customer_response && `response ${words(d.customer_response)}`]);
    case 'delivery':
      return joined([`#${d.delivery_id} ${words(d.channel)}`, d.status, d.provider, d.last_error]);
    case 'delivery_event':
      return joined([d.provider, words(d.event_type), d.channel && words(d.channel), d.delivery_id && `delivery #${d.delivery_id}`]);
    case 'response':
      return joined([words(d.response_type), `from ${words(d.source)}`, `intervention #${d.intervention_id}`, d.notes]);
    case 'suppression':
      return joined([words(d.channel), words(d.reason), `from ${d.source}`, d.keyed_by === 'address' ? 'kept for the address' : 'kept for the customer']);
    case 'preference_change':
      return joined([`by ${d.actor} (${words(d.source)})`, ...Object.entries(d.changes).map(([what, c]) => `${words(what)} ${c.from ?? 'unset'} → ${c.to ?? 'unset'}`)]);
    case 'erasure':
      return 'personal data erased';
    default:
      return '';
  }
}

function entryItem(entry) {
  const item = document.createElement('li');
  const time = document.createElement('time');
  time.dateTime = entry.at;
  time.textContent = new Date(entry.at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
  const body = document.createElement('div');
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = KINDS[entry.kind] ?? entry.kind;
  body.append(kind, document.createTextNode(describe(entry)));
  item.append(time, body);
  return item;
}

function showError(message) {
  errorBox.hidden = false;
  errorBox.textContent = message;
  statusLine.textContent = '';
  document.body.dataset.loaded = 'error';
}

async function load(id, before) {
  errorBox.hidden = true;
  statusLine.textContent = 'Loading…';
  const query = new URLSearchParams({ id });
  if (before) query.set('before', before);
  let body;
  try {
    const res = await fetch(`/dashboard/customer/timeline?${query}`, { credentials: 'same-origin' });
    body = await res.json();
    if (!res.ok) return showError(body.error ?? `HTTP ${res.status}`);
  } catch (error) {
    return showError(`Could not load the timeline: ${error.message}`);
  }
  if (!before) list.replaceChildren();
  const items = body.entries.map(entryItem);
  list.append(...items);
  current = { id, next: body.next_before };
  title.textContent = `Events of customer ${id}${body.known ? '' : ' (not in the customers table)'}`;
  result.hidden = false;
  older.hidden = !body.next_before;
  statusLine.textContent = `${list.children.length} event${list.children.length === 1 ? '' : 's'} shown${body.next_before ? ', older ones available' : ''}.`;
  document.body.dataset.loaded = 'true';
  if (before && items[0]) {
    // The button may have gone: keep the keyboard where the new events start.
    items[0].tabIndex = -1;
    items[0].focus();
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const id = input.value.trim();
  if (!id) return showError('Type a customer id.');
  history.replaceState(null, '', `?id=${encodeURIComponent(id)}`);
  load(id, null);
});
older.addEventListener('click', () => load(current.id, current.next));

const initial = new URLSearchParams(location.search).get('id');
if (initial) {
  input.value = initial;
  load(initial, null);
} else {
  document.body.dataset.loaded = 'true';
}

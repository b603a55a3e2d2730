// A customer's page: their interventions, newest first, each linking to the intervention itself.
import { csvHref, loadJson, renderTable, setStatus } from './common.js';

const id = new URLSearchParams(location.search).get('id');
const form = document.getElementById('search');
form.elements.namedItem('id').value = id ?? '';

if (id) {
  setStatus('loading', 'Loading…');
  try {
    const data = await loadJson(`/dashboard/data/customer?id=${encodeURIComponent(id)}`);
    const table = data.tables.customer;
    document.getElementById('customer-heading').textContent = `Interventions of customer ${data.customer_id}`;
    renderTable(table, document.querySelector('[data-table="customer"]'));
    document.querySelector('[data-csv="customer"]').href = csvHref('customer', `?id=${encodeURIComponent(id)}`);
    document.getElementById('customer').hidden = false;
    setStatus(table.rows.length === 0 ? 'empty' : null, table.rows.length === 0 ? `No interventions for customer ${data.customer_id}.` : null);
  } catch (error) {
    setStatus('error', `Could not load the customer: ${error.message}`);
  }
}
document.body.dataset.loaded = 'true';

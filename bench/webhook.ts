// SendGrid's event webhook under a provider's batch: signed 1,000-event batches (a real ECDSA
// signature, as SendGrid sends them) about 1,000 email deliveries of ours, posted to the web app
// over HTTP: delivered, then opened, then clicked (a response each), then a mixed batch with
// bounces, spam reports and unsubscribes (suppressions). Each batch's time is the request's,
// from the first byte sent to the answer, so it includes the signature check and the parsing.
import { eventWebhookKeys, signEventWebhook } from '../src/synthetic/provider-signing.js';
import { insertEmailDeliveries } from '../src/db/portfolio.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { startWeb } from '../src/web/server.js';
import { createLogger } from '../src/logger.js';
import { count, quantile, type Report } from './support.js';

export const WEBHOOK_KEYS = eventWebhookKeys();
const BATCH = 1_000;

/**
 * The tables as the whole run's end-to-end stages leave them for this one: a month of email
 * deliveries and their customers. Run alone, the stage first fills them, so that its statements
 * are planned as in the whole run: with small tables a batch's lookup was planned serially, and
 * after the end-to-end run in parallel, whose start cost more than the lookup itself.
 */
export async function fillAsAfterEndToEnd(runtime: Runtime, size: { customers: number; deliveries: number }): Promise<void> {
  await runtime.pool.query(
    "insert into customers (customer_id, full_name, email) select 'F' || n, 'Filler ' || n, 'f' || n || '@bench.example' from generate_series(1, $1::int) as n",
    [size.customers],
  );
  await runtime.pool.query('analyze customers');
  await insertEmailDeliveries(runtime.pool, { count: size.deliveries, customerPrefix: 'F', at: new Date(), status: 'delivered' });
}

export async function benchWebhook(runtime: Runtime, report: Report, rounds: number): Promise<void> {
  if (runtime.config.sendgrid.webhookPublicKey !== WEBHOOK_KEYS.publicKey) throw new Error('bench: the runtime must be configured with WEBHOOK_KEYS.publicKey');
  const now = new Date();
  const deliveryIds = await insertEmailDeliveries(runtime.pool, { count: BATCH, customerPrefix: 'WH', at: now, status: 'sent' });
  const web = await startWeb(runtime, { logger: createLogger('warn', 'bench-web') });
  try {
    const kinds = ['delivered', 'open', 'click'];
    const mixed = (n: number) => (n % 20 === 0 ? { event: 'bounce', type: 'bounce', reason: '550 5.1.1 no such user' } : n % 20 === 1 ? { event: 'spamreport' } : n % 20 === 2 ? { event: 'unsubscribe' } : { event: 'open' });
    const times: number[] = [];
    let sent = 0;
    for (let round = 0; round < rounds; round += 1) {
      const events = deliveryIds.map((deliveryId, n) => ({
        ...(round < kinds.length ? { event: kinds[round]! } : mixed(n)),
        email: `wh${n}@bench.example`,
        timestamp: Math.floor(Date.now() / 1000),
        sg_event_id: `bench-${round}-${deliveryId}`,
        sg_message_id: `msg-${deliveryId}`,
        delivery_id: String(deliveryId),
        useragent: 'Mozilla/5.0 (bench)',
      }));
      const body = JSON.stringify(events);
      const headers = signEventWebhook(body, WEBHOOK_KEYS.privateKeyPem);
      const t = performance.now();
      const res = await fetch(`${web.url}/webhooks/sendgrid`, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } });
      const answer = (await res.json()) as { applied?: number };
      times.push((performance.now() - t) / 1000);
      if (res.status !== 202 || answer.applied !== BATCH) throw new Error(`bench: webhook batch ${round} answered ${res.status} ${JSON.stringify(answer)}`);
      sent += BATCH;
    }
    const stored = await count(runtime.pool, "select 1 from delivery_events where event_key like 'bench-%'");
    if (stored !== sent) throw new Error(`bench: ${stored} webhook events stored of ${sent}`);
    const sorted = [...times].sort((a, b) => a - b);
    report('webhook_sendgrid_1000_events_per_s', BATCH / quantile(sorted, 0.5), 'events/s');
    report('webhook_sendgrid_1000_events_slowest_batch_seconds', sorted.at(-1)!, 's');
  } finally {
    await web.close();
  }
}

// A scoring batch's deliveries travel in batches: one job per channel per evaluation, settled
// with set-based SQL. Within one batch: opted-out customers are suppressed, customers whose
// quiet hours hold are scheduled and come back as one job per opening time, the rest are sent
// once each; a provider's 503s come back as one retry batch. Every job carries the months that
// hold its deliveries, so that its statements are planned over those months' partitions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suppressCustomer } from '../../src/db/suppressions.js';
import { monthsHolding, monthsToJson, type MonthsJson } from '../../src/domain/months.js';
import { nextContactTime } from '../../src/domain/quiet-hours.js';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';
import { awakeZones } from '../../src/synthetic/portfolio.js';
import { startFakeSendGrid } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio } from '../fakes/fake-twilio.js';
import { count, startTestEngine, waitFor, type TestEngine } from '../support/engine.js';
import { fakeProviderEnv, ingestBatch, loadAwakePortfolio } from '../support/portfolio.js';

let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;
let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
const CUSTOMERS = 300;
const SUPPRESSED = 20;
const BURST = 6;

/** Zones where SMS and calls wait for at least half an hour from now: spread round the globe, so never none. */
function asleepZones(now: Date): string[] {
  const zones = ['Pacific/Honolulu', 'America/Anchorage', 'Asia/Tokyo', 'Australia/Sydney', 'Pacific/Auckland', 'Asia/Kolkata', 'Europe/Madrid', 'America/New_York', 'America/Los_Angeles', 'Asia/Dubai'];
  return zones.filter((zone) => nextContactTime(now, zone, DEFAULT_POLICY.quietHours).getTime() - now.getTime() > 30 * 60_000);
}

beforeAll(async () => {
  sendgrid = await startFakeSendGrid();
  twilio = await startFakeTwilio();
  twilio.script({ status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } }, BURST);
  engine = await startTestEngine({ env: { ...fakeProviderEnv(sendgrid, twilio), DELIVERY_BACKOFF_MS: '200' } });
  const portfolio = await loadAwakePortfolio(engine, { customers: CUSTOMERS, seed: 33, idPrefix: 'BT', smsConsent: true });
  const asleep = asleepZones(new Date());
  if (asleep.length === 0) throw new Error('no zone of the list is in its quiet hours now');
  const awake = awakeZones(new Date());
  // Every third customer lives where it is night now, the others where it is day.
  portfolio.customers.forEach((customer, n) => {
    customer.timezone = n % 3 === 0 ? asleep[n % asleep.length]! : awake[n % awake.length]!;
  });
  await engine.db.pool.query('update customers set timezone = t.zone from unnest($1::text[], $2::text[]) as t(id, zone) where customer_id = t.id', [
    portfolio.customers.map((c) => c.customerId),
    portfolio.customers.map((c) => c.timezone),
  ]);
  for (const customer of portfolio.customers.slice(0, SUPPRESSED)) await suppressCustomer(engine.db.pool, customer.customerId, { channel: 'email', reason: 'unsubscribe', source: 'test' }, new Date());
  await ingestBatch(engine, portfolio.batch);
});

afterAll(async () => {
  await engine?.close();
  await sendgrid?.close();
  await twilio?.close();
});

describe('delivery batches', () => {
  it('suppresses, schedules and sends within one batch, each delivery once', async () => {
    await waitFor('every score decided', async () => (await count(engine, 'select 1 from decisions')) === CUSTOMERS, 60_000);
    await waitFor('every delivery settled or scheduled', async () => (await count(engine, "select 1 from deliveries where status in ('pending', 'sending')")) === 0, 60_000, 200);

    // Batches were what carried them: the email queue's jobs hold many deliveries each.
    const emailJobs = await engine.runtime.queues.deliveries.email.getJobs(['completed']);
    const emailDeliveries = await count(engine, "select 1 from deliveries where channel = 'email'");
    expect(emailJobs.length).toBeLessThan(emailDeliveries / 5);
    expect(emailJobs.reduce((n, job) => n + job.data.deliveryIds.length, 0)).toBe(emailDeliveries);
    const { rows: dated } = await engine.db.pool.query<{ delivery_id: number; intervention_date: Date }>('select delivery_id, intervention_date from deliveries');
    const dates = new Map(dated.map((row) => [row.delivery_id, row.intervention_date]));
    const datesOf = (ids: number[]) => ids.map((id) => dates.get(id)!);
    const holds = (months: MonthsJson | undefined, ids: number[]) => datesOf(ids).every((date) => months && date >= new Date(months.from) && date < new Date(months.until));
    for (const job of emailJobs) expect(job.data.months).toEqual(monthsToJson(monthsHolding(datesOf(job.data.deliveryIds))));

    // Each send once at the providers, and every row agrees with them.
    const emailIds = sendgrid.accepted.map((m) => m.body.custom_args?.delivery_id);
    const smsIds = twilio.accepted.map((m) => new URL(m.statusCallback ?? 'http://x/').searchParams.get('delivery_id'));
    expect(new Set(emailIds).size).toBe(emailIds.length);
    expect(new Set(smsIds).size).toBe(smsIds.length);
    expect(await count(engine, "select 1 from deliveries where channel = 'email' and status = 'sent'")).toBe(emailIds.length);
    expect(await count(engine, "select 1 from deliveries where channel = 'sms' and status = 'sent'")).toBe(smsIds.length);

    // Opted out: suppressed, never sent.
    const suppressed = await engine.db.pool.query<{ delivery_id: string }>("select delivery_id::text from deliveries where channel = 'email' and status = 'suppressed'");
    expect(suppressed.rows.length).toBeGreaterThan(0);
    for (const row of suppressed.rows) expect(emailIds).not.toContain(row.delivery_id);

    // Quiet hours: scheduled, each in exactly one delayed job, jobs grouped by opening time. A
    // batch writes 'scheduled' before it enqueues the delayed jobs, so the test waits for the jobs.
    const scheduled = await engine.db.pool.query<{ delivery_id: number; channel: 'sms' | 'phone'; scheduled_for: Date }>(
      "select delivery_id, channel, scheduled_for from deliveries where status = 'scheduled' order by delivery_id",
    );
    expect(scheduled.rows.length).toBeGreaterThan(0);
    for (const channel of ['sms', 'phone'] as const) {
      const rows = scheduled.rows.filter((r) => r.channel === channel);
      const delayedJobs = () => engine.runtime.queues.deliveries[channel].getJobs(['delayed']);
      const waitingIn = (jobs: Awaited<ReturnType<typeof delayedJobs>>) => jobs.flatMap((job) => job.data.deliveryIds).sort((a, b) => a - b);
      await waitFor(`a delayed ${channel} job for every scheduled delivery`, async () => waitingIn(await delayedJobs()).length >= rows.length);
      const delayed = await delayedJobs();
      expect(waitingIn(delayed)).toEqual(rows.map((r) => r.delivery_id));
      for (const job of delayed) {
        const openings = new Set(rows.filter((r) => job.data.deliveryIds.includes(r.delivery_id)).map((r) => r.scheduled_for.getTime()));
        expect(openings.size).toBe(1);
        expect(job.timestamp + job.delay).toBeGreaterThanOrEqual([...openings][0]! - 1_000);
        // A follow-up carries on the months of the job it came from, which hold its deliveries.
        expect(holds(job.data.months, job.data.deliveryIds)).toBe(true);
      }
    }

    // The 503 burst came back as retries and went out: no SMS failed.
    expect(twilio.attempts.filter((a) => a.status === 503)).toHaveLength(BURST);
    expect(await count(engine, "select 1 from deliveries where channel = 'sms' and status in ('failed', 'unknown')")).toBe(0);
  }, 120_000);
});

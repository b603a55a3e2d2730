// Delivery without provider accounts: email and SMS to the outbox, the in-app inbox, agent
// call tasks; consent, suppression and quiet hours; and never twice, whatever runs twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { insertPayments, insertScoreHistory, upsertCustomers } from '../../src/db/portfolio.js';
import { deliverBatch, staleSendingMs, type DeliverDeps } from '../../src/delivery/deliver.js';
import { inboxTransport } from '../../src/delivery/transports/inbox.js';
import { createLogger } from '../../src/logger.js';
import { DEFAULT_POLICY, type Policy } from '../../src/domain/policy.js';
import { DEFAULT_ASSIGNMENT_SALT, makeStrategySet, strategyFor } from '../../src/domain/strategies.js';
import type { Customer } from '../../src/domain/types.js';
import { count, startTestEngine, waitFor, type TestEngine } from '../support/engine.js';

// 14:00 UTC: 15:00 in Madrid and 09:00 in New York, inside the contact window for both.
const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
let engine: TestEngine;

const customer = (id: string, extra: Partial<Customer> = {}): Customer => ({
  customerId: id,
  fullName: `Name ${id}`,
  email: `${id.toLowerCase()}@example.com`,
  phone: '+34612345678',
  timezone: 'Europe/Madrid',
  locale: 'es',
  smsConsent: true,
  ...extra,
});

/** Scores that put a customer in a band: flexible (email, sms, app) or critical (phone, email). */
async function score(id: string, band: 'flexible' | 'critical', at: Date) {
  const values = band === 'flexible' ? [0.62, 0.65, 0.7] : [0.7, 0.8, 0.9];
  await insertScoreHistory(engine.db.pool, values.slice(0, 2).map((v, i) => ({ customerId: id, riskScore: v, scoreDate: new Date(at.getTime() - (2 - i) * 86_400_000) })));
  const res = await engine.api('/risk_scores', { method: 'POST', json: [{ customer_id: id, risk_score: values[2], score_date: at.toISOString() }] });
  expect(res.status).toBe(202);
}

async function deliveriesOf(id: string) {
  const { rows } = await engine.db.pool.query<{ delivery_id: number; channel: string; status: string; scheduled_for: Date | null; last_error: string | null }>(
    'select delivery_id, channel, status, scheduled_for, last_error from deliveries where customer_id = $1 order by channel',
    [id],
  );
  return Object.fromEntries(rows.map((r) => [r.channel, r]));
}

const deliverDeps = (): DeliverDeps => ({
  pool: engine.runtime.pool,
  clock,
  logger: createLogger('silent', 'test'),
  staleSendingMs: staleSendingMs(engine.config.providerTimeoutMs),
  addressKey: engine.runtime.addressKey,
});
/** The delayed SMS job that carries this delivery, once the worker has delayed it (the row is marked scheduled first). */
async function delayedSmsJob(deliveryId: number) {
  const find = async () => (await engine.runtime.queues.deliveries.sms.getJobs(['delayed'])).find((j) => j.data.deliveryIds.includes(deliveryId));
  await waitFor(`the SMS job of delivery ${deliveryId} delayed`, async () => (await find()) !== undefined);
  return (await find())!;
}

const settled = (id: string, n: number) =>
  waitFor(`${n} settled deliveries for ${id}`, async () => (await count(engine, "select 1 from deliveries where customer_id = $1 and status not in ('pending', 'sending')", [id])) === n);

beforeAll(async () => {
  engine = await startTestEngine({ clock, web: true, env: { HOLDOUT_PERCENT: '0' } });
  await upsertCustomers(engine.db.pool, [
    customer('FLEX'),
    customer('CRIT', { locale: 'en', timezone: 'America/New_York', phone: '+12125550123' }),
    customer('NOCONSENT', { smsConsent: false }),
    customer('OPTEDOUT'),
    customer('TOKYO', { locale: 'en', timezone: 'Asia/Tokyo', phone: '+819012345678' }),
    customer('BROKEN'),
    customer('WHOLE'),
  ]);
  await insertPayments(engine.db.pool, [{ customerId: 'FLEX', dueDate: '2026-12-03', amount: '182.40', currency: 'EUR', status: 'scheduled' }]);
  await engine.db.pool.query("insert into suppressions (customer_id, channel, reason, source) values ('OPTEDOUT', 'email', 'unsubscribe', 'test')");
});

afterAll(async () => {
  await engine?.close();
});

describe('delivery with no provider credentials', () => {
  it('writes to the outbox without a provider rate limit', () => {
    const limited = engine.workers!.workers.filter((w) => w.name.startsWith('deliver-') && w.opts.limiter);
    expect(limited.map((w) => w.name)).toEqual([]);
  });

  it('records email and SMS in the outbox and writes the in-app notification', async () => {
    await score('FLEX', 'flexible', new Date('2026-11-25T06:00:00Z'));
    await settled('FLEX', 3);
    const d = await deliveriesOf('FLEX');
    expect([d.email?.status, d.sms?.status, d.app_notification?.status]).toEqual(['outbox', 'outbox', 'sent']);

    const { rows } = await engine.db.pool.query<{ channel: string; recipient: string; payload: { subject?: string; body?: string; statusCallback?: string } }>(
      "select o.channel, recipient, payload from outbox_messages o join deliveries d using (delivery_id) where d.customer_id = 'FLEX' order by channel",
    );
    expect(rows.map((r) => [r.channel, r.recipient])).toEqual([
      ['email', 'flex@example.com'],
      ['sms', '+34612345678'],
    ]);
    expect(rows[1]!.payload.body).toMatch(/STOP/);
    expect(rows[1]!.payload.statusCallback).toMatch(/\/webhooks\/twilio\/status\?delivery_id=\d+$/);

    const inbox = await engine.api('/customers/FLEX/notifications');
    const body = (await inbox.json()) as { notifications: { notification_id: number; title: string; read_at: string | null }[] };
    expect(body.notifications).toHaveLength(1);
    expect(body.notifications[0]!.read_at).toBeNull();
    const read = await engine.api(`/customers/FLEX/notifications/${body.notifications[0]!.notification_id}/read`, { method: 'POST' });
    expect(((await read.json()) as { read_at: string | null }).read_at).not.toBeNull();
    expect((await engine.api('/customers/FLEX/notifications?unread=true').then((r) => r.json())) as unknown).toMatchObject({ notifications: [] });
    const summary = await engine.db.pool.query("select delivery_status from interventions where customer_id = 'FLEX'");
    expect(summary.rows[0]).toEqual({ delivery_status: 'sent' });
  });

  it('opens an agent task due within 24 hours that one agent can claim and complete', async () => {
    await score('CRIT', 'critical', new Date('2026-11-25T06:00:00Z'));
    await settled('CRIT', 2);
    const list = (await (await engine.api('/agent_tasks?status=open')).json()) as { tasks: { task_id: number; customer_id: string; due_at: string; script: { opening: string } }[] };
    const task = list.tasks.find((t) => t.customer_id === 'CRIT');
    expect(task).toBeDefined();
    expect(new Date(task!.due_at).toISOString()).toBe('2026-11-26T14:00:00.000Z');
    expect(task!.script.opening).toMatch(/Name CRIT/);

    const [first, second] = await Promise.all([
      engine.api(`/agent_tasks/${task!.task_id}/claim`, { method: 'POST', json: { agent: 'alice' } }),
      engine.api(`/agent_tasks/${task!.task_id}/claim`, { method: 'POST', json: { agent: 'bob' } }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);

    const winner = first.status === 200 ? 'alice' : 'bob';
    const done = await engine.api(`/agent_tasks/${task!.task_id}/complete`, { method: 'POST', json: { agent: winner, response_type: 'accepted_offer', notes: 'payment holiday agreed' } });
    expect(done.status).toBe(200);
    const intervention = await engine.db.pool.query("select customer_response from interventions where customer_id = 'CRIT'");
    expect(intervention.rows[0]).toEqual({ customer_response: 'accepted_offer' });
    const again = await engine.api(`/agent_tasks/${task!.task_id}/complete`, { method: 'POST', json: { response_type: 'engaged' } });
    expect(again.status).toBe(409);
  });

  it.each([
    ['an unknown response type', { response_type: 'maybe' }, /response_type: must be one of/],
    ['an unknown field', { response_type: 'engaged', mood: 'happy' }, /unknown field mood/],
  ])('refuses to complete a task with %s', async (_what, json, message) => {
    const res = await engine.api('/agent_tasks/1/complete', { method: 'POST', json });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('sends no SMS without consent and nothing on a channel the customer opted out of', async () => {
    await score('NOCONSENT', 'flexible', new Date('2026-11-25T06:00:00Z'));
    await score('OPTEDOUT', 'flexible', new Date('2026-11-25T06:00:00Z'));
    await settled('NOCONSENT', 3);
    await settled('OPTEDOUT', 3);
    const noConsent = await deliveriesOf('NOCONSENT');
    expect(noConsent.sms).toMatchObject({ status: 'suppressed', last_error: 'no SMS consent' });
    expect(noConsent.email?.status).toBe('outbox');
    const optedOut = await deliveriesOf('OPTEDOUT');
    expect(optedOut.email).toMatchObject({ status: 'suppressed' });
    expect(optedOut.sms?.status).toBe('outbox');
    expect(await count(engine, "select 1 from outbox_messages o join deliveries d using (delivery_id) where d.customer_id in ('NOCONSENT', 'OPTEDOUT') and ((d.customer_id = 'NOCONSENT' and d.channel = 'sms') or (d.customer_id = 'OPTEDOUT' and d.channel = 'email'))")).toBe(0);
  });

  it('holds an SMS for a customer in Tokyo scored at 23:30 local until 08:00 local, then sends it', async () => {
    clock.set(new Date('2026-11-25T14:30:00Z')); // 23:30 in Tokyo
    await score('TOKYO', 'flexible', new Date('2026-11-25T14:00:00Z'));
    await waitFor('TOKYO sms scheduled', async () => (await deliveriesOf('TOKYO')).sms?.status === 'scheduled');
    const sms = (await deliveriesOf('TOKYO')).sms!;
    expect(sms.scheduled_for?.toISOString()).toBe('2026-11-25T23:00:00.000Z'); // 08:00 in Tokyo
    // The job that will send it waits, delayed, until then.
    const job = await delayedSmsJob(sms.delivery_id);
    // 8.5 hours from the (fixed) now; BullMQ may shave a millisecond when it stores the delay.
    expect(Math.abs(job.delay - 8.5 * 3_600_000)).toBeLessThan(1_000);

    clock.set(new Date('2026-11-25T23:00:00Z'));
    await job.promote();
    await waitFor('TOKYO sms sent at 08:00', async () => (await deliveriesOf('TOKYO')).sms?.status === 'outbox');
    clock.set(new Date('2026-11-25T14:00:00Z'));
  });

  it('holds an SMS for the quiet hours of the strategy that decided, and the champion\'s once that strategy is retired', async () => {
    const lateSms: Policy = { ...DEFAULT_POLICY, version: 'late-sms-1', quietHours: { start: '10:00', end: '20:00', channels: ['sms', 'phone'] } };
    expect((await engine.api('/strategies/late_sms', { method: 'PUT', json: { weight: 100, policy: lateSms } })).status).toBe(201);
    // A customer in Tokyo whom the assignment puts in late_sms.
    const set = makeStrategySet([{ name: 'default', weight: 100, champion: true, policy: DEFAULT_POLICY }, { name: 'late_sms', weight: 100, champion: false, policy: lateSms }], DEFAULT_ASSIGNMENT_SALT);
    const id = Array.from({ length: 50 }, (_, i) => `LATE${i}`).find((c) => strategyFor(set, c).name === 'late_sms')!;
    await upsertCustomers(engine.db.pool, [customer(id, { locale: 'en', timezone: 'Asia/Tokyo', phone: '+819012345679' })]);
    clock.set(new Date('2026-11-25T00:30:00Z')); // 09:30 in Tokyo: open for the champion, not for late_sms
    try {
      await score(id, 'flexible', new Date('2026-11-25T00:00:00Z'));
      await waitFor(`${id} sms scheduled`, async () => (await deliveriesOf(id)).sms?.status === 'scheduled');
      expect((await deliveriesOf(id)).sms!.scheduled_for?.toISOString()).toBe('2026-11-25T01:00:00.000Z'); // 10:00 in Tokyo
      await waitFor(`${id} email sent at once (not a quiet-hours channel)`, async () => (await deliveriesOf(id)).email?.status === 'outbox');

      expect((await engine.api('/strategies/late_sms', { method: 'DELETE' })).status).toBe(200);
      const job = await delayedSmsJob((await deliveriesOf(id)).sms!.delivery_id);
      await job.promote();
      await waitFor(`${id} sms sent at 09:30 under the champion's hours`, async () => (await deliveriesOf(id)).sms?.status === 'outbox');
    } finally {
      clock.set(new Date('2026-11-25T14:00:00Z'));
    }
  });

  it('writes one notification when the same delivery is delivered twice, in sequence or racing', async () => {
    const d = (await deliveriesOf('FLEX')).app_notification!;
    const deps = deliverDeps();
    // The delivery already went out: a late duplicate job does nothing.
    expect(await deliverBatch(deps, { deliveryIds: [d.delivery_id], months: null }, inboxTransport, { last: false })).toMatchObject({ settled: new Map(), followUps: { scheduled: [], retry: [] } });
    // Reset it to pending and let three attempts race: exactly one writes.
    await engine.db.pool.query("update deliveries set status = 'pending' where delivery_id = $1", [d.delivery_id]);
    await engine.db.pool.query('delete from notifications where delivery_id = $1', [d.delivery_id]);
    const results = await Promise.all([1, 2, 3].map(() => deliverBatch(deps, { deliveryIds: [d.delivery_id], months: null }, inboxTransport, { last: false })));
    expect(results.map((r) => r.settled.get('sent') ?? 0).sort()).toEqual([0, 0, 1]);
    expect(await count(engine, 'select 1 from notifications where delivery_id = $1', [d.delivery_id])).toBe(1);
  });

  it("fails a delivery whose stored message cannot be parsed, without an attempt, and still delivers the rest of its job", async () => {
    await score('BROKEN', 'flexible', new Date('2026-11-25T13:00:00Z'));
    await score('WHOLE', 'flexible', new Date('2026-11-25T13:00:00Z'));
    await settled('BROKEN', 3);
    await settled('WHOLE', 3);
    const broken = (await deliveriesOf('BROKEN')).app_notification!;
    const whole = (await deliveriesOf('WHOLE')).app_notification!;
    await engine.db.pool.query("update deliveries set status = 'pending' where delivery_id = any($1)", [[broken.delivery_id, whole.delivery_id]]);
    await engine.db.pool.query('delete from notifications where delivery_id = any($1)', [[broken.delivery_id, whole.delivery_id]]);
    await engine.db.pool.query("update interventions set messages = jsonb_set(messages, '{app_notification,title}', '\"\"') where customer_id = 'BROKEN'");
    const run = await deliverBatch(deliverDeps(), { deliveryIds: [broken.delivery_id, whole.delivery_id], months: null }, inboxTransport, { last: false });
    expect(run.settled).toEqual(new Map([['failed', 1], ['sent', 1]]));
    expect((await deliveriesOf('BROKEN')).app_notification).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/^intervention \d+: unusable stored message: app_notification message title: /) });
    expect(await count(engine, 'select 1 from notifications where delivery_id = $1', [broken.delivery_id])).toBe(0);
    expect(await count(engine, 'select 1 from notifications where delivery_id = $1', [whole.delivery_id])).toBe(1);
  });

  it("never delivers another channel's row: an in-app job handed an SMS delivery's id leaves it alone", async () => {
    // As when a database is restored while the queues keep their jobs: the same id may now name another row.
    const sms = (await deliveriesOf('FLEX')).sms!;
    await engine.db.pool.query("update deliveries set status = 'pending' where delivery_id = $1", [sms.delivery_id]);
    expect(await deliverBatch(deliverDeps(), { deliveryIds: [sms.delivery_id], months: null }, inboxTransport, { last: false })).toMatchObject({ settled: new Map(), followUps: { scheduled: [], retry: [] } });
    expect((await deliveriesOf('FLEX')).sms?.status).toBe('pending');
    expect(await count(engine, 'select 1 from notifications where delivery_id = $1', [sms.delivery_id])).toBe(0);
    await engine.db.pool.query("update deliveries set status = 'outbox' where delivery_id = $1", [sms.delivery_id]);
  });
});

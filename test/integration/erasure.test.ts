// Erasure of a customer's personal data: after DELETE /customers/:id/personal-data, a dump of the
// whole database holds none of their name, email address or phone number, wherever the engine had
// written them (rendered messages, the outbox, the inbox, call scripts, replies, agents' notes,
// providers' payloads, also an event that arrives afterwards); decisions, outcomes and metrics are
// the same as before; and their opt-outs still hold, through the real delivery path, for the
// address imported again under another customer or the same one.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { computeMetrics } from '../../src/db/metrics.js';
import { lastDays } from '../../src/domain/metrics-filter.js';
import { upsertCustomers } from '../../src/db/portfolio.js';
import type { Customer } from '../../src/domain/types.js';
import { count, startTestEngine, waitFor, type TestEngine } from '../support/engine.js';
import { latestStatuses, scoreAndSettle } from '../support/scoring.js';
import { postInboundSms, postSendGridEvents } from '../support/webhooks.js';
import { eventWebhookKeys } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio, twilioSignature } from '../fakes/fake-twilio.js';

const run = promisify(execFile);
const PUBLIC = 'https://engine.lender.example';
const DAY = 86_400_000;
const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
const keys = eventWebhookKeys();
// Values that appear nowhere else, so that finding one in the dump can only mean a leak.
const NAME = 'Zebedee Quixotehart';
const EMAIL = 'Zebedee.Quixotehart@erase-me.example';
const PHONE = '+34611987654';
const REPLY = `This is ${NAME}, the blue bicycle is mine, write to ${EMAIL}`;
let engine: TestEngine;
let twilioFake: Awaited<ReturnType<typeof startFakeTwilio>>;

const customer = (id: string, fields: Partial<Customer> = {}): Customer => ({
  customerId: id, fullName: NAME, email: EMAIL, phone: PHONE, timezone: 'Europe/Madrid', locale: 'en', smsConsent: true, ...fields,
});

async function deliveryOf(id: string, channel: string) {
  const { rows } = await engine.db.pool.query<{ delivery_id: number; intervention_id: number }>(
    'select delivery_id, intervention_id from deliveries where customer_id = $1 and channel = $2 order by delivery_id desc limit 1',
    [id, channel],
  );
  return rows[0]!;
}

/** Every row of every table, as pg_dump writes it. */
async function dumpDatabase(): Promise<string> {
  const { stdout } = await run('pg_dump', ['--data-only', '--no-owner', engine.db.url], { maxBuffer: 256 * 1024 * 1024 });
  expect(stdout).toContain('COPY public.decisions');
  return stdout;
}

/** Each way the customer's personal data could be written, found in `text`. */
function personalDataIn(text: string): string[] {
  const lower = text.toLowerCase();
  const forms = ['Zebedee', 'Quixotehart', EMAIL.toLowerCase(), 'erase-me.example', PHONE, PHONE.slice(3), 'blue bicycle'];
  return forms.filter((form) => lower.includes(form.toLowerCase()));
}

async function outcomes() {
  const { rows } = await engine.db.pool.query(
    `select d.decision_id, d.outcome, d.reason, d.policy_version, i.intervention_type, i.customer_response, i.holdout,
            array(select x.status from deliveries x where x.intervention_id = i.intervention_id order by x.delivery_id) as statuses,
            array(select r.response_type from intervention_responses r where r.intervention_id = i.intervention_id order by r.response_id) as responses
       from decisions d left join interventions i using (decision_id) where d.customer_id = 'ER1' order by d.decision_id`,
  );
  return rows;
}

beforeAll(async () => {
  twilioFake = await startFakeTwilio();
  engine = await startTestEngine({
    clock,
    web: true,
    // No SendGrid credentials: email goes to the outbox, which keeps a copy of each message.
    env: {
      HOLDOUT_PERCENT: '0',
      PUBLIC_BASE_URL: PUBLIC,
      SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey,
      TWILIO_ACCOUNT_SID: twilioFake.accountSid,
      TWILIO_AUTH_TOKEN: twilioFake.authToken,
      TWILIO_FROM_NUMBER: '+15005550006',
      TWILIO_API_URL: twilioFake.url,
    },
  });

  // The customer's data goes everywhere the engine writes it.
  await upsertCustomers(engine.db.pool, [customer('ER1')]);
  await scoreAndSettle(engine, clock, ['ER1'], { riskScore: 0.9, deliveries: 2 }); // a call task with its script, an email
  const email = await deliveryOf('ER1', 'email');
  clock.advance(8 * DAY);
  await scoreAndSettle(engine, clock, ['ER1']); // email, SMS and the in-app inbox
  const sms = await deliveryOf('ER1', 'sms');
  const statusUrl = `${PUBLIC}/webhooks/twilio/status?delivery_id=${sms.delivery_id}`;
  const status = { MessageSid: twilioFake.accepted.at(-1)!.sid, MessageStatus: 'delivered', To: PHONE };
  await engine.api(`/webhooks/twilio/status?delivery_id=${sms.delivery_id}`, {
    method: 'POST', token: null, body: new URLSearchParams(status).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(twilioFake.authToken, statusUrl, status) },
  });
  expect((await postInboundSms(engine, twilioFake, PUBLIC, { body: REPLY, sid: 'SMer1reply', from: PHONE })).status).toBe(200);
  const at = Math.floor(clock.now().getTime() / 1000);
  expect((await postSendGridEvents(engine, keys.privateKeyPem, clock, [
    { event: 'delivered', email: EMAIL, sg_event_id: 'er1-delivered', delivery_id: String(email.delivery_id), timestamp: at },
    // An event SendGrid sent without our ids: kept unmatched, with the address in it.
    { event: 'open', email: EMAIL.toLowerCase(), sg_event_id: 'er1-unmatched-open', timestamp: at, useragent: 'Mail', ip: '203.0.113.9' },
    // An event that cannot be applied (a NUL in its id): kept among the rejected, address and all.
    { event: 'open', email: EMAIL, sg_event_id: 'er1-bad\u0000id', delivery_id: String(email.delivery_id), timestamp: at },
  ])).status).toBe(202);
  expect(await engine.db.pool.query('select 1 from rejected_provider_events')).toMatchObject({ rowCount: 1 });
  const tasks = await engine.db.pool.query<{ task_id: number }>("select task_id from agent_tasks where customer_id = 'ER1' order by task_id");
  expect(tasks.rows).toHaveLength(2); // the call, and the follow-up of the reply
  for (const { task_id } of tasks.rows) {
    const done = await engine.api(`/agent_tasks/${task_id}/complete`, { method: 'POST', json: { agent: 'alice', response_type: 'engaged', notes: `Spoke with ${NAME} on ${PHONE}` } });
    expect(done.status).toBe(200);
  }
  await engine.api(`/interventions/${sms.intervention_id}/response`, { method: 'POST', json: { response_type: 'accepted_offer', notes: `${NAME} accepted by email from ${EMAIL}` } });
  // The customer turns email off on the preference centre: a choice kept by customer, not by address.
  expect((await engine.api('/customers/ER1/preferences', { method: 'PUT', json: { channels: { email: false } } })).status).toBe(200);
});

afterAll(async () => {
  await engine?.close();
  await twilioFake?.close();
});

describe('DELETE /customers/:id/personal-data', () => {
  let before: { outcomes: unknown[]; metrics: Awaited<ReturnType<typeof computeMetrics>> };

  it('starts from a database that holds the customer\'s data in many places (the test can fail)', async () => {
    expect(personalDataIn(await dumpDatabase())).toHaveLength(7);
    before = { outcomes: await outcomes(), metrics: await computeMetrics(engine.db.pool, lastDays(90, clock.now()), clock.now()) };
    expect(before.outcomes).toHaveLength(2);
  });

  it('erases it everywhere, in one go, and says what it rewrote', async () => {
    const res = await engine.api('/customers/ER1/personal-data', { method: 'DELETE' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { erased: Record<string, number>; suppressions_keyed_by_address: number; kept: Record<string, string> };
    expect(body.erased).toEqual({
      customers: 1,
      interventions: 2,
      deliveries_cancelled: 0,
      delivery_errors: expect.any(Number),
      delivery_events: 4, // the status callback, the reply, SendGrid's delivered, and the unmatched open
      rejected_provider_events: 1, // the event with a NUL in its id
      outbox_messages: 2,
      notifications: 1,
      agent_tasks: 2,
      intervention_responses: 4, // the reply, two agents' notes, and the notes of a response recorded through the API
    });
    expect(body.suppressions_keyed_by_address).toBe(1); // the email choice, now also kept for the address
    expect(Object.keys(body.kept)).toEqual(['decisions', 'outcomes', 'suppressions']);
    const timeline = (await (await engine.api('/customers/ER1/timeline')).json()) as { entries: { kind: string; detail: { erased?: unknown } }[] };
    expect(timeline.entries[0]).toMatchObject({ kind: 'erasure', detail: { erased: body.erased } });
    const audit = await engine.db.pool.query("select actor, subject, details from audit_log where action = 'customer.erase'");
    expect(audit.rows).toEqual([{ actor: 'admin', subject: 'ER1', details: { erased: body.erased, suppressions_keyed_by_address: 1, via: 'bearer' } }]);
  });

  it('keeps the decisions, the outcomes and the metrics as they were', async () => {
    expect(await outcomes()).toEqual(before.outcomes);
    expect(await computeMetrics(engine.db.pool, lastDays(90, clock.now()), clock.now())).toEqual(before.metrics);
  });

  it('stores an event that arrives later about an erased message already erased', async () => {
    const email = await deliveryOf('ER1', 'email');
    expect((await postSendGridEvents(engine, keys.privateKeyPem, clock, [
      { event: 'open', email: EMAIL, sg_event_id: 'er1-late-open', delivery_id: String(email.delivery_id), timestamp: Math.floor(clock.now().getTime() / 1000), useragent: 'Mail' },
    ])).status).toBe(202);
    const { rows } = await engine.db.pool.query("select payload from delivery_events where event_key = 'er1-late-open'");
    expect(rows[0].payload).toEqual({ event: 'open', sg_event_id: 'er1-late-open', delivery_id: String(email.delivery_id), timestamp: expect.any(Number), erased: true });
  });

  it('leaves none of the name, email address, phone number or reply anywhere in a dump of the whole database', async () => {
    expect(personalDataIn(await dumpDatabase())).toEqual([]);
  });

  it('erases nothing more the second time, and answers 404 for a customer nobody knows', async () => {
    const again = await engine.api('/customers/ER1/personal-data', { method: 'DELETE' });
    const body = (await again.json()) as { erased: Record<string, number> };
    expect(Object.values(body.erased).every((n) => n === 0)).toBe(true);
    expect((await engine.api('/customers/NOBODY/personal-data', { method: 'DELETE' })).status).toBe(404);
  });

  it('keeps the email opt-out for the address imported again under another customer: email suppressed, the rest sent', async () => {
    await upsertCustomers(engine.db.pool, [customer('ER2', { fullName: 'Someone Else', email: `  ${EMAIL.toUpperCase()} `, phone: '+34611000301' })]);
    await scoreAndSettle(engine, clock, ['ER2']);
    expect(await latestStatuses(engine, 'ER2')).toEqual({ email: 'suppressed', sms: 'sent', app_notification: 'sent' });
  });

  it('keeps it for the same customer imported again, and texts them again', async () => {
    await upsertCustomers(engine.db.pool, [customer('ER1', { fullName: 'Zed Q' })]);
    clock.advance(8 * DAY);
    await scoreAndSettle(engine, clock, ['ER1']);
    expect(await latestStatuses(engine, 'ER1')).toMatchObject({ email: 'suppressed', sms: 'sent', app_notification: 'sent' });
    const outboxOf = (id: string) => count(engine, 'select 1 from outbox_messages o join deliveries d using (delivery_id) where d.customer_id = $1', [id]);
    expect(await outboxOf('ER1')).toBe(2); // the two emails from before the erasure, erased
    expect(await outboxOf('ER2')).toBe(0);
  });

  it('cancels deliveries still waiting, which would go out with what was erased', async () => {
    // 23:00 in Tokyo: the SMS waits for the morning.
    await upsertCustomers(engine.db.pool, [customer('ER3', { fullName: 'Night Owl', email: 'owl@example.com', phone: '+819012345678', timezone: 'Asia/Tokyo' })]);
    await scoreAndSettle(engine, clock, ['ER3']);
    expect((await latestStatuses(engine, 'ER3')).sms).toBe('scheduled');
    const res = await engine.api('/customers/ER3/personal-data', { method: 'DELETE' });
    expect(((await res.json()) as { erased: { deliveries_cancelled: number } }).erased.deliveries_cancelled).toBe(1);
    const { rows } = await engine.db.pool.query("select status, last_error from deliveries where customer_id = 'ER3' and channel = 'sms'");
    expect(rows).toEqual([{ status: 'suppressed', last_error: 'personal data erased' }]);
  });

  it('decides the later scores of an erased customer without contacting anyone, until the lender imports them again', async () => {
    const scoreDate = new Date(clock.now().getTime() + 60_000).toISOString();
    expect((await engine.api('/risk_scores', { method: 'POST', json: [{ customer_id: 'ER3', risk_score: 0.95, score_date: scoreDate }] })).status).toBe(202);
    await waitFor('the decision of the erased customer', async () => (await count(engine, "select 1 from decisions where customer_id = 'ER3' and score_date = $1", [scoreDate])) === 1);
    const { rows } = await engine.db.pool.query("select outcome, reason from decisions where customer_id = 'ER3' and score_date = $1", [scoreDate]);
    expect(rows).toEqual([{ outcome: 'no_intervention', reason: 'unknown_customer' }]);
    expect(await count(engine, "select 1 from interventions where customer_id = 'ER3'")).toBe(1); // the one from before the erasure
  });
});

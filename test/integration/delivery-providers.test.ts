// Email through SendGrid and SMS through Twilio, against local fakes that speak their wire
// format: the requests as sent, retries with backoff, permanent failures, unknown outcomes,
// and never two sends of one delivery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { insertPayments, insertScoreHistory, upsertCustomers } from '../../src/db/portfolio.js';
import { deliverBatch, staleSendingMs, type DeliverDeps } from '../../src/delivery/deliver.js';
import { emailTransport } from '../../src/delivery/transports/email.js';
import { createLogger } from '../../src/logger.js';
import type { Customer } from '../../src/domain/types.js';
import { fakeProviderEnv } from '../support/portfolio.js';
import { startTestEngine, waitFor, type TestEngine } from '../support/engine.js';
import { startFakeSendGrid } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio } from '../fakes/fake-twilio.js';

const clock = fixedClock(new Date('2026-11-25T14:00:00Z')); // 15:00 in Madrid
let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;
let twilioFake: Awaited<ReturnType<typeof startFakeTwilio>>;
const MAX_ATTEMPTS = 4;

const customer = (id: string): Customer => ({
  customerId: id,
  fullName: `Ana ${id}`,
  email: `${id.toLowerCase()}@example.com`,
  phone: '+34612345678',
  timezone: 'Europe/Madrid',
  locale: 'es',
  smsConsent: true,
});

/** Scores that put a customer in flexible_payment: email, SMS and app. */
async function scoreFlexible(id: string) {
  await upsertCustomers(engine.db.pool, [customer(id)]);
  await insertPayments(engine.db.pool, [{ customerId: id, dueDate: '2026-12-03', amount: '182.40', currency: 'EUR', status: 'scheduled' }]);
  await insertScoreHistory(engine.db.pool, [
    { customerId: id, riskScore: 0.62, scoreDate: new Date('2026-11-23T06:00:00Z') },
    { customerId: id, riskScore: 0.65, scoreDate: new Date('2026-11-24T06:00:00Z') },
  ]);
  const res = await engine.api('/risk_scores', { method: 'POST', json: [{ customer_id: id, risk_score: 0.7, score_date: '2026-11-25T06:00:00Z' }] });
  expect(res.status).toBe(202);
}

async function delivery(id: string, channel: string) {
  const { rows } = await engine.db.pool.query<{ delivery_id: number; intervention_id: number; status: string; provider: string | null; provider_message_id: string | null; last_error: string | null; attempts: number }>(
    'select delivery_id, intervention_id, status, provider, provider_message_id, last_error, attempts from deliveries where customer_id = $1 and channel = $2',
    [id, channel],
  );
  return rows[0];
}

const deliverDeps = (): DeliverDeps => ({
  pool: engine.runtime.pool,
  clock,
  logger: createLogger('silent', 'test'),
  staleSendingMs: staleSendingMs(engine.config.providerTimeoutMs),
  addressKey: engine.runtime.addressKey,
});
const settled = (id: string, channel: string) =>
  waitFor(`${channel} of ${id} settled`, async () => !['pending', 'sending', undefined].includes((await delivery(id, channel))?.status), 30_000);

beforeAll(async () => {
  sendgrid = await startFakeSendGrid();
  twilioFake = await startFakeTwilio();
  engine = await startTestEngine({
    clock,
    web: true,
    env: {
      HOLDOUT_PERCENT: '0',
      ...fakeProviderEnv(sendgrid, twilioFake),
      PUBLIC_BASE_URL: 'https://engine.lender.example',
      DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      DELIVERY_BACKOFF_MS: '100',
      PROVIDER_TIMEOUT_MS: '1000',
    },
  });
});

afterAll(async () => {
  await engine?.close();
  await sendgrid?.close();
  await twilioFake?.close();
});

describe('sending through the providers', () => {
  it("keeps each provider's queue within its rate (100 emails, 30 SMS a second by default)", () => {
    const limiter = (name: string) => engine.workers!.workers.find((w) => w.name === name)?.opts.limiter;
    expect(limiter('deliver-email')).toEqual({ max: 2, duration: 1_000 }); // 2 batches of 50
    expect(limiter('deliver-sms')).toEqual({ max: 1, duration: 1_000 }); // 1 batch of 30
  });

  it('sends the email through SendGrid with custom_args that map back to the delivery', async () => {
    await scoreFlexible('OK1');
    await settled('OK1', 'email');
    const email = (await delivery('OK1', 'email'))!;
    expect(email).toMatchObject({ status: 'sent', provider: 'sendgrid', attempts: 1 });
    const sent = sendgrid.accepted.find((m) => m.body.personalizations[0]!.to[0]!.email === 'ok1@example.com')!;
    expect(email.provider_message_id).toBe(sent.messageId);
    expect(sent.body.from).toEqual({ email: 'care@lender.example', name: 'Customer Care' });
    expect(sent.body.subject).toBe('Ana, algunas formas de facilitar su próximo pago');
    expect(sent.body.content.map((c) => c.type)).toEqual(['text/plain', 'text/html']);
    expect(sent.body.custom_args).toEqual({ intervention_id: String(email.intervention_id), delivery_id: String(email.delivery_id), customer_id: 'OK1' });
    expect(sent.body.categories).toEqual(['intervention', 'flexible_payment']);
    expect(sent.body.headers?.['List-Unsubscribe']).toMatch(/^<https:\/\/engine\.lender\.example\/unsubscribe\/u1\.[\w-]+\.[\w-]+>$/);
    expect(sent.body.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('sends the SMS through Twilio with a status callback that carries the delivery id', async () => {
    await settled('OK1', 'sms');
    const sms = (await delivery('OK1', 'sms'))!;
    expect(sms).toMatchObject({ status: 'sent', provider: 'twilio' });
    const sent = twilioFake.accepted.find((m) => m.sid === sms.provider_message_id)!;
    expect(sent).toMatchObject({ to: '+34612345678', from: '+15005550006' });
    expect(sent.body).toMatch(/Responda STOP para darse de baja$/);
    expect(sent.statusCallback).toBe(`https://engine.lender.example/webhooks/twilio/status?delivery_id=${sms.delivery_id}`);
  });

  it('waits out three 429s with Retry-After, then sends exactly once', async () => {
    sendgrid.script({ status: 429, retryAfter: 1, body: { errors: [{ message: 'too many requests' }] } }, 3);
    const before = sendgrid.attempts.length;
    await scoreFlexible('RATE');
    await settled('RATE', 'email');
    expect((await delivery('RATE', 'email'))!.status).toBe('sent');
    const attempts = sendgrid.attempts.slice(before);
    expect(attempts.map((a) => a.status)).toEqual([429, 429, 429, 202]);
    // Each Retry-After of 1 s was honoured before the next attempt.
    for (let i = 1; i < attempts.length; i += 1) expect(attempts[i]!.at - attempts[i - 1]!.at).toBeGreaterThanOrEqual(900);
    expect(sendgrid.accepted.filter((m) => m.body.custom_args?.customer_id === 'RATE')).toHaveLength(1);
  });

  it('fails after the retry budget when the provider answers 500 every time', async () => {
    sendgrid.script({ status: 500, body: { errors: [{ message: 'internal error' }] } }, MAX_ATTEMPTS);
    const before = sendgrid.attempts.length;
    await scoreFlexible('DOWN');
    await settled('DOWN', 'email');
    const email = (await delivery('DOWN', 'email'))!;
    expect(email.status).toBe('failed');
    expect(email.last_error).toBe('gave up after retries: sendgrid HTTP 500: internal error');
    const attempts = sendgrid.attempts.slice(before);
    expect(attempts).toHaveLength(MAX_ATTEMPTS);
    // Exponential backoff: each wait is longer than a fixed 100 ms retry would be.
    expect(attempts.at(-1)!.at - attempts[0]!.at).toBeGreaterThanOrEqual(100 + 200 * 0.5 + 400 * 0.5);
  });

  it("fails at once, with Twilio's code, when Twilio says the number is invalid", async () => {
    twilioFake.script({ status: 400, body: { code: 21211, message: "The 'To' number +34612345678 is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 } });
    const before = twilioFake.attempts.length;
    await scoreFlexible('BADNUM');
    await settled('BADNUM', 'sms');
    const sms = (await delivery('BADNUM', 'sms'))!;
    expect(sms.status).toBe('failed');
    expect(sms.last_error).toBe("twilio HTTP 400 code 21211: The 'To' number +34612345678 is not a valid phone number.");
    expect(twilioFake.attempts.slice(before)).toHaveLength(1);
  });

  it.each([
    { channel: 'sms', provider: 'twilio', customerId: 'HUNG', fake: () => twilioFake, accepted: 201 },
    { channel: 'email', provider: 'sendgrid', customerId: 'SLOW', fake: () => sendgrid, accepted: 202 },
  ])('marks a $channel whose answer never came as unknown and does not send it again', async ({ channel, provider, customerId, fake, accepted }) => {
    fake().script({ status: accepted, delayMs: 3_000 });
    const before = fake().attempts.length;
    await scoreFlexible(customerId);
    await settled(customerId, channel);
    const sent = (await delivery(customerId, channel))!;
    expect(sent.status).toBe('unknown');
    expect(sent.last_error).toMatch(new RegExp(`^outcome unknown: ${provider} .*no answer from ${provider}`));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(fake().attempts.slice(before).length).toBeLessThanOrEqual(1);
    expect((await delivery(customerId, channel))!.status).toBe('unknown');
  });

  it('sends once when the same delivery is enqueued twice or attempts race', async () => {
    const email = (await delivery('OK1', 'email'))!;
    const sends = () => sendgrid.accepted.filter((m) => m.body.custom_args?.delivery_id === String(email.delivery_id)).length;
    expect(sends()).toBe(1);
    // Duplicate jobs for a delivery that already went out: nothing more is sent.
    await engine.runtime.queues.deliveries.email.addBulk([1, 2].map((n) => ({ name: 'email', data: { deliveryIds: [email.delivery_id] }, opts: { jobId: `dup-${n}-${email.delivery_id}` } })));
    await waitFor('duplicate jobs done', async () => (await engine.runtime.queues.deliveries.email.getJobCountByTypes('waiting', 'active', 'delayed')) === 0);
    expect(sends()).toBe(1);
    // Back to pending, then three attempts at once through the real SendGrid transport: one send.
    await engine.db.pool.query("update deliveries set status = 'pending' where delivery_id = $1", [email.delivery_id]);
    const transport = emailTransport(engine.config);
    const results = await Promise.all([1, 2, 3].map(() => deliverBatch(deliverDeps(), { deliveryIds: [email.delivery_id], months: null }, transport, { last: false })));
    expect(results.map((r) => r.settled.get('sent') ?? 0).sort()).toEqual([0, 0, 1]);
    expect(sends()).toBe(2); // the original and exactly one more: never three
  });

  it('marks a delivery left sending by a dead process as unknown instead of sending it again', async () => {
    const email = (await delivery('OK1', 'email'))!;
    const before = sendgrid.accepted.length;
    // A process claimed it two minutes ago and never recorded the outcome.
    await engine.db.pool.query("update deliveries set status = 'sending', claimed_at = $2 where delivery_id = $1", [email.delivery_id, new Date(clock.now().getTime() - 120_000)]);
    const transport = emailTransport(engine.config);
    expect(await deliverBatch(deliverDeps(), { deliveryIds: [email.delivery_id], months: null }, transport, { last: false })).toMatchObject({ settled: new Map([['unknown', 1]]), followUps: { scheduled: [], retry: [] } });
    expect(sendgrid.accepted.length).toBe(before);
    // One claimed a moment ago may still be sending: the attempt is retried later, not doubled.
    await engine.db.pool.query("update deliveries set status = 'sending', claimed_at = $2 where delivery_id = $1", [email.delivery_id, clock.now()]);
    expect(await deliverBatch(deliverDeps(), { deliveryIds: [email.delivery_id], months: null }, transport, { last: false })).toMatchObject({ settled: new Map(), followUps: { scheduled: [], retry: [email.delivery_id] } });
    expect(sendgrid.accepted.length).toBe(before);
  });
});

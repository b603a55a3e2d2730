// Provider webhooks with real signatures: SendGrid's ECDSA-signed events and Twilio's
// X-Twilio-Signature. Forged, stale, replayed and tampered requests change nothing; events
// apply once and never move a status backwards; STOP, START and HELP are honoured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { insertScoreHistory, upsertCustomers } from '../../src/db/portfolio.js';
import { recordNoResponses } from '../../src/db/responses.js';
import { addressHash, type AddressKind } from '../../src/domain/address-hash.js';
import { signUnsubscribeToken } from '../../src/domain/unsubscribe-token.js';
import { fakeProviderEnv } from '../support/portfolio.js';
import { count, startTestEngine, waitFor, type TestEngine } from '../support/engine.js';
import { eventWebhookKeys, signEventWebhook, startFakeSendGrid } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio, twilioSignature } from '../fakes/fake-twilio.js';

const PUBLIC = 'https://engine.lender.example';
const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
const keys = eventWebhookKeys();
let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;
let twilioFake: Awaited<ReturnType<typeof startFakeTwilio>>;

const DAY = 86_400_000;

/** A flexible_payment intervention (email, SMS, app) for the customer, decided at the clock's day. */
async function scoreCustomer(id: string) {
  const day = clock.now().getTime();
  await insertScoreHistory(engine.db.pool, [
    { customerId: id, riskScore: 0.62, scoreDate: new Date(day - 2 * DAY) },
    { customerId: id, riskScore: 0.65, scoreDate: new Date(day - DAY) },
  ]);
  const scoreDate = new Date(day - 3_600_000);
  const res = await engine.api('/risk_scores', { method: 'POST', json: [{ customer_id: id, risk_score: 0.7, score_date: scoreDate.toISOString() }] });
  expect(res.status).toBe(202);
  await waitFor(`score of ${id} decided`, async () => (await count(engine, 'select 1 from decisions where customer_id = $1 and score_date = $2', [id, scoreDate])) === 1);
  await waitFor(`deliveries of ${id} settled`, async () => (await count(engine, "select 1 from deliveries where customer_id = $1 and status in ('pending', 'sending')", [id])) === 0 && (await count(engine, 'select 1 from deliveries where customer_id = $1', [id])) > 0);
}

async function deliveries(id: string) {
  const { rows } = await engine.db.pool.query<{ delivery_id: number; intervention_id: number; channel: string; status: string; provider_message_id: string | null }>(
    'select delivery_id, intervention_id, channel, status, provider_message_id from deliveries where customer_id = $1 order by delivery_id',
    [id],
  );
  return rows;
}
const latest = async (id: string, channel: string) => (await deliveries(id)).filter((d) => d.channel === channel).at(-1)!;
/** The intervention's delivery_status: its most advanced delivery's status. */
async function deliveryStatusOf(interventionId: number) {
  const { rows } = await engine.db.pool.query<{ delivery_status: string }>('select delivery_status from interventions where intervention_id = $1', [interventionId]);
  return rows[0]?.delivery_status;
}
/** Suppressions of an address on a channel, and why. */
const addressSuppressions = (kind: AddressKind, address: string, channel: string, reason: string) =>
  count(engine, 'select 1 from suppressions where channel = $1 and address_hash = $2 and reason = $3', [channel, addressHash(engine.runtime.addressKey, kind, address), reason]);

async function postSendGrid(events: unknown, options: { sign?: string; key?: string; timestamp?: string; body?: string } = {}) {
  const payload = JSON.stringify(events);
  const headers = signEventWebhook(options.sign ?? payload, options.key ?? keys.privateKeyPem, options.timestamp ?? String(Math.floor(clock.now().getTime() / 1000)));
  return engine.api('/webhooks/sendgrid', { method: 'POST', token: null, body: options.body ?? payload, headers: { ...headers, 'content-type': 'application/json' } });
}

async function postTwilio(path: string, params: Record<string, string>, options: { signWith?: Record<string, string>; token?: string } = {}) {
  const signature = twilioSignature(options.token ?? twilioFake.authToken, `${PUBLIC}${path}`, options.signWith ?? params);
  return engine.api(path, { method: 'POST', token: null, body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });
}

beforeAll(async () => {
  sendgrid = await startFakeSendGrid();
  twilioFake = await startFakeTwilio();
  engine = await startTestEngine({
    clock,
    web: true,
    env: {
      HOLDOUT_PERCENT: '0',
      PUBLIC_BASE_URL: PUBLIC,
      ...fakeProviderEnv(sendgrid, twilioFake),
      SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey,
    },
  });
  await upsertCustomers(engine.db.pool, ['W1', 'W2', 'W3'].map((id, i) => ({
    customerId: id, fullName: `Ana ${id}`, email: `${id.toLowerCase()}@example.com`, phone: `+3461234567${i}`, timezone: 'Europe/Madrid', locale: 'es', smsConsent: true,
  })));
  await scoreCustomer('W1');
});

afterAll(async () => {
  await engine?.close();
  await sendgrid?.close();
  await twilioFake?.close();
});

describe('POST /webhooks/sendgrid', () => {
  const event = (deliveryId: number, name: string, extra: Record<string, unknown> = {}) => ({
    email: 'w1@example.com', timestamp: Math.floor(clock.now().getTime() / 1000), event: name, sg_event_id: `${name}-${deliveryId}-${String(extra.n ?? 0)}`,
    delivery_id: String(deliveryId), intervention_id: '1', ...extra,
  });

  it.each([
    ['signed with another key', () => ({ key: eventWebhookKeys().privateKeyPem })],
    ['signed over a different body (tampered)', () => ({ sign: '[]' })],
    ['with a timestamp ten minutes old (stale or replayed later)', () => ({ timestamp: String(Math.floor(clock.now().getTime() / 1000) - 600) })],
  ])('refuses an event batch %s with 401 and records nothing', async (_what, options) => {
    const email = await latest('W1', 'email');
    const res = await postSendGrid([event(email.delivery_id, 'delivered')], options());
    expect(res.status).toBe(401);
    expect(await count(engine, 'select 1 from delivery_events')).toBe(0);
    expect((await latest('W1', 'email')).status).toBe('sent');
  });

  it('refuses a request without the signature headers', async () => {
    const res = await engine.api('/webhooks/sendgrid', { method: 'POST', token: null, json: [] });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('missing SendGrid signature headers');
  });

  it('moves the email forward through delivered, open and click, never backwards, and applies a re-sent batch once', async () => {
    const email = await latest('W1', 'email');
    const batch = [event(email.delivery_id, 'delivered'), event(email.delivery_id, 'open'), event(email.delivery_id, 'processed')];
    expect((await postSendGrid(batch)).status).toBe(202);
    expect((await latest('W1', 'email')).status).toBe('opened');
    expect(await deliveryStatusOf(email.intervention_id)).toBe('opened');
    const rows = async () => (await engine.db.pool.query('select provider, event_key, event_type, delivery_id, matched from delivery_events order by event_key')).rows;
    const once = await rows();
    // SendGrid retries: the same batch again, and again with a fresh signature, changes nothing.
    expect((await postSendGrid(batch)).status).toBe(202);
    expect(await rows()).toEqual(once);
    expect((await latest('W1', 'email')).status).toBe('opened');
    expect(await count(engine, 'select 1 from delivery_events')).toBe(3);
    // A click is engagement.
    await postSendGrid([event(email.delivery_id, 'click', { url: 'https://help.example.com' })]);
    expect((await latest('W1', 'email')).status).toBe('clicked');
    expect(await deliveryStatusOf(email.intervention_id)).toBe('clicked');
    const intervention = await engine.api(`/interventions/${email.intervention_id}`);
    expect(((await intervention.json()) as { customer_response: string }).customer_response).toBe('engaged');
  });

  it('stores an event for an unknown delivery as unmatched and answers 202, so that SendGrid stops retrying', async () => {
    const res = await postSendGrid([event(99_999_999, 'delivered'), { event: 'delivered', sg_event_id: 'no-id' }]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ received: 2, applied: 2, unmatched: 2, rejected: [] });
    expect(await count(engine, 'select 1 from delivery_events where not matched')).toBe(2);
  });

  it('answers 400 for an object instead of an array', async () => {
    const res = await postSendGrid({ event: 'delivered' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/expected a JSON array of SendGrid events/);
  });

  it('answers 202 for an event without a name, and keeps it as rejected with why', async () => {
    const res = await postSendGrid([{ email: 'x@example.com' }]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ received: 1, applied: 0, unmatched: 0, rejected: [{ index: 0, reason: 'event: is required' }] });
    expect(await count(engine, "select 1 from rejected_provider_events where reason = 'event: is required' and payload->>'email' = 'x@example.com'")).toBe(1);
  });

  it('settles an unknown delivery when its event arrives, and suppresses email after a hard bounce', async () => {
    await scoreCustomer('W2');
    const email = await latest('W2', 'email');
    await engine.db.pool.query("update deliveries set status = 'unknown', provider_message_id = null where delivery_id = $1", [email.delivery_id]);
    await postSendGrid([event(email.delivery_id, 'processed')]);
    expect((await latest('W2', 'email')).status).toBe('sent');
    await postSendGrid([event(email.delivery_id, 'bounce', { email: 'w2@example.com', type: 'bounce', reason: '550 5.1.1 mailbox does not exist' })]);
    expect((await latest('W2', 'email')).status).toBe('bounced');
    expect(await addressSuppressions('email', 'w2@example.com', 'email', 'hard_bounce')).toBe(1);
  });
});

describe('POST /webhooks/twilio/status', () => {
  it('records delivered for the delivery named in the callback URL, and a late "sent" does not undo it', async () => {
    const sms = await latest('W1', 'sms');
    const path = `/webhooks/twilio/status?delivery_id=${sms.delivery_id}`;
    const params = { MessageSid: sms.provider_message_id!, MessageStatus: 'delivered', AccountSid: twilioFake.accountSid, To: '+34612345670' };
    expect((await postTwilio(path, params)).status).toBe(204);
    expect((await latest('W1', 'sms')).status).toBe('delivered');
    expect((await postTwilio(path, { ...params, MessageStatus: 'sent' })).status).toBe(204);
    expect((await latest('W1', 'sms')).status).toBe('delivered');
  });

  it.each([
    ['signed with another auth token', { token: 'f'.repeat(32) }],
    ['with a tampered status', { signWith: { MessageSid: 'SMx', MessageStatus: 'sent' } }],
  ])('refuses a callback %s with 401', async (_what, options) => {
    const sms = await latest('W1', 'sms');
    const before = await count(engine, 'select 1 from delivery_events');
    const res = await postTwilio(`/webhooks/twilio/status?delivery_id=${sms.delivery_id}`, { MessageSid: 'SMx', MessageStatus: 'failed' }, options);
    expect(res.status).toBe(401);
    expect(await count(engine, 'select 1 from delivery_events')).toBe(before);
  });

  it('refuses a signed callback whose query string was changed (another delivery id)', async () => {
    const sms = await latest('W1', 'sms');
    const params = { MessageSid: sms.provider_message_id!, MessageStatus: 'failed' };
    const signature = twilioSignature(twilioFake.authToken, `${PUBLIC}/webhooks/twilio/status?delivery_id=${sms.delivery_id}`, params);
    const res = await engine.api('/webhooks/twilio/status?delivery_id=1', { method: 'POST', token: null, body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });
    expect(res.status).toBe(401);
  });
});

describe('inbound SMS', () => {
  const inbound = (body: string, sid: string, from = '+34612345670') => postTwilio('/webhooks/twilio/inbound', { MessageSid: sid, From: from, To: '+15005550006', Body: body, AccountSid: twilioFake.accountSid });

  it('answers HELP with how to reach a person, in TwiML', async () => {
    const res = await inbound('ayuda', 'SMhelp1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/xml/);
    expect(await res.text()).toMatch(/<Response><Message>Customer Care: estamos aquí para ayudarle\. Llame al \+1 800 555 0100/);
  });

  it('stores a reply containing a NUL character instead of failing on it', async () => {
    expect((await inbound('call me\u0000 please', 'SMnul1')).status).toBe(200);
    const { rows } = await engine.db.pool.query<{ notes: string }>("select notes from intervention_responses where notes like 'call me%'");
    expect(rows[0]?.notes).toBe('call me\ufffd please');
    await engine.db.pool.query("delete from agent_tasks where kind = 'follow_up'");
  });

  it('records any other reply as engagement and opens a follow-up task for an agent', async () => {
    expect((await inbound('Can someone call me after 6pm?', 'SMreply1')).status).toBe(200);
    const tasks = (await (await engine.api('/agent_tasks?status=open')).json()) as { tasks: { kind: string; customer_id: string; reason: string }[] };
    expect(tasks.tasks.find((t) => t.kind === 'follow_up' && t.customer_id === 'W1')?.reason).toMatch(/call me after 6pm/);
    // Delivered twice by Twilio: one task, one response.
    await inbound('Can someone call me after 6pm?', 'SMreply1');
    expect(await count(engine, "select 1 from agent_tasks where kind = 'follow_up'")).toBe(1);
  });

  it('after STOP, the next intervention sends email and app but no SMS; after START, SMS again', async () => {
    expect((await inbound('  Stop ', 'SMstop1')).status).toBe(200);
    expect(await addressSuppressions('phone', '+34612345670', 'sms', 'stop')).toBe(1);
    const response = await engine.db.pool.query("select customer_response from interventions where customer_id = 'W1'");
    expect(response.rows[0]).toEqual({ customer_response: 'opted_out' });

    clock.advance(8 * DAY); // past the cool-off
    await scoreCustomer('W1');
    const afterStop = (await deliveries('W1')).slice(-3);
    expect(Object.fromEntries(afterStop.map((d) => [d.channel, d.status]))).toEqual({ email: 'sent', sms: 'suppressed', app_notification: 'sent' });

    expect((await inbound('START', 'SMstart1')).status).toBe(200);
    clock.advance(8 * DAY);
    await scoreCustomer('W1');
    expect((await latest('W1', 'sms')).status).toBe('sent');
  });
});

describe('unsubscribe link', () => {
  it('shows a confirmation page on GET and unsubscribes only on POST', async () => {
    const token = signUnsubscribeToken('W3', engine.runtime.messages.signingSecret);
    const page = await engine.api(`/unsubscribe/${token}`, { token: null });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form method="post">/);
    expect(await count(engine, "select 1 from suppressions where customer_id = 'W3'")).toBe(0);
    // The mail client's one-click POST (RFC 8058).
    const done = await engine.api(`/unsubscribe/${token}`, { method: 'POST', token: null, body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(done.status).toBe(200);
    expect(await count(engine, "select 1 from suppressions where customer_id = 'W3' and channel = 'email'")).toBe(1);
  });

  it('refuses a forged or altered token', async () => {
    const forged = signUnsubscribeToken('W2', 'not-the-secret-at-all');
    const res = await engine.api(`/unsubscribe/${forged}`, { method: 'POST', token: null });
    expect(res.status).toBe(404);
    expect(await count(engine, "select 1 from suppressions where customer_id = 'W2' and reason = 'unsubscribe'")).toBe(0);
  });
});

describe('responses', () => {
  it('records a response through the API and lists it on the intervention', async () => {
    const email = await latest('W2', 'email');
    const res = await engine.api(`/interventions/${email.intervention_id}/response`, { method: 'POST', json: { response_type: 'accepted_offer', notes: 'called back, took the split payment' } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { customer_response: string; responses: { response_type: string; source: string }[] };
    expect(body.customer_response).toBe('accepted_offer');
    expect(body.responses.at(-1)).toMatchObject({ response_type: 'accepted_offer', source: 'api' });
  });

  it.each([
    [{ response_type: 'maybe' }, 400, /response_type: must be one of accepted_offer, engaged, no_response, opted_out/],
    [{}, 400, /response_type/],
  ])('refuses %o', async (json, status, message) => {
    const res = await engine.api('/interventions/1/response', { method: 'POST', json });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('records no_response once the contact window has passed without engagement', async () => {
    const open = await count(engine, 'select 1 from interventions where customer_response is null and not holdout');
    expect(open).toBeGreaterThan(0);
    expect(await recordNoResponses(engine.db.pool, 7, new Date(clock.now().getTime() + 60 * DAY))).toBe(open);
    expect(await count(engine, "select 1 from interventions where customer_response = 'no_response'")).toBe(open);
    expect(await recordNoResponses(engine.db.pool, 7, new Date(clock.now().getTime() + 60 * DAY))).toBe(0);
  });
});

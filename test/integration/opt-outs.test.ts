// Opt-outs belong to the address that gave them: a STOP from a number shared by two customers (a
// joint account) silences the number for both, START brings it back for both, and an email
// address that unsubscribed, bounced or reported spam stays suppressed for any customer who has
// it, also one imported later. Real signatures, the fake providers, a worker per channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { insertScoreHistory, upsertCustomers } from '../../src/db/portfolio.js';
import { hashPendingSuppressions } from '../../src/db/suppressions.js';
import { addressHash } from '../../src/domain/address-hash.js';
import { signUnsubscribeToken } from '../../src/domain/unsubscribe-token.js';
import type { Customer } from '../../src/domain/types.js';
import { fakeProviderEnv } from '../support/portfolio.js';
import { count, startTestEngine, waitFor, type TestEngine } from '../support/engine.js';
import { eventWebhookKeys, signEventWebhook, startFakeSendGrid } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio, twilioSignature } from '../fakes/fake-twilio.js';

const PUBLIC = 'https://engine.lender.example';
const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
const keys = eventWebhookKeys();
const DAY = 86_400_000;
const JOINT_PHONE = '+34611000001';
let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;
let twilioFake: Awaited<ReturnType<typeof startFakeTwilio>>;

const aCustomer = (id: string, fields: Partial<Customer> = {}): Customer => ({
  customerId: id, fullName: `Ana ${id}`, email: `${id.toLowerCase()}@example.com`, phone: null, timezone: 'Europe/Madrid', locale: 'es', smsConsent: true, ...fields,
});

/** A flexible_payment intervention (email, SMS, app) for each customer, decided now; waits until its deliveries settle. */
async function scoreCustomers(ids: string[]) {
  const day = clock.now().getTime();
  await insertScoreHistory(engine.db.pool, ids.flatMap((id) => [
    { customerId: id, riskScore: 0.62, scoreDate: new Date(day - 2 * DAY) },
    { customerId: id, riskScore: 0.65, scoreDate: new Date(day - DAY) },
  ]));
  const scoreDate = new Date(day - 3_600_000);
  const res = await engine.api('/risk_scores', { method: 'POST', json: ids.map((id) => ({ customer_id: id, risk_score: 0.7, score_date: scoreDate.toISOString() })) });
  expect(res.status).toBe(202);
  for (const id of ids) {
    await waitFor(`score of ${id} decided`, async () => (await count(engine, 'select 1 from decisions where customer_id = $1 and score_date = $2', [id, scoreDate])) === 1);
    await waitFor(`deliveries of ${id} settled`, async () =>
      (await count(engine, `select 1 from deliveries d join interventions i using (intervention_id) join decisions x using (decision_id)
                             where d.customer_id = $1 and x.score_date = $2`, [id, scoreDate])) === 3 &&
      (await count(engine, "select 1 from deliveries where customer_id = $1 and status in ('pending', 'sending')", [id])) === 0);
  }
}

/** The status of the customer's latest delivery on each channel. */
async function latestStatuses(id: string): Promise<Record<string, string>> {
  const { rows } = await engine.db.pool.query<{ channel: string; status: string }>(
    'select distinct on (channel) channel, status from deliveries where customer_id = $1 order by channel, delivery_id desc',
    [id],
  );
  return Object.fromEntries(rows.map((row) => [row.channel, row.status]));
}

async function latestDelivery(id: string, channel: string) {
  const { rows } = await engine.db.pool.query<{ delivery_id: number; intervention_id: number }>(
    'select delivery_id, intervention_id from deliveries where customer_id = $1 and channel = $2 order by delivery_id desc limit 1',
    [id, channel],
  );
  return rows[0]!;
}

const inbound = (body: string, sid: string, from: string) => {
  const params = { MessageSid: sid, From: from, To: '+15005550006', Body: body, AccountSid: twilioFake.accountSid };
  const signature = twilioSignature(twilioFake.authToken, `${PUBLIC}/webhooks/twilio/inbound`, params);
  return engine.api('/webhooks/twilio/inbound', { method: 'POST', token: null, body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });
};

async function postSendGrid(events: unknown[]) {
  const payload = JSON.stringify(events);
  const headers = signEventWebhook(payload, keys.privateKeyPem, String(Math.floor(clock.now().getTime() / 1000)));
  return engine.api('/webhooks/sendgrid', { method: 'POST', token: null, body: payload, headers: { ...headers, 'content-type': 'application/json' } });
}

const textsTo = (phone: string) => twilioFake.accepted.filter((sms) => sms.to === phone).length;

beforeAll(async () => {
  sendgrid = await startFakeSendGrid();
  twilioFake = await startFakeTwilio();
  engine = await startTestEngine({
    clock,
    web: true,
    env: { HOLDOUT_PERCENT: '0', PUBLIC_BASE_URL: PUBLIC, ...fakeProviderEnv(sendgrid, twilioFake), SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey },
  });
});

afterAll(async () => {
  await engine?.close();
  await sendgrid?.close();
  await twilioFake?.close();
});

describe('a number shared by two customers (a joint account)', () => {
  it('STOP silences the number for both customers, and START brings SMS back for both', async () => {
    await upsertCustomers(engine.db.pool, [aCustomer('J1', { phone: JOINT_PHONE }), aCustomer('J2', { phone: JOINT_PHONE })]);
    await scoreCustomers(['J1', 'J2']);
    expect(textsTo(JOINT_PHONE)).toBe(2);

    expect((await inbound('STOP', 'SMjointstop', JOINT_PHONE)).status).toBe(200);
    // Each customer on the number has opted out of the intervention that texted them.
    const responses = await engine.db.pool.query("select customer_id, customer_response from interventions where customer_id in ('J1', 'J2') order by customer_id");
    expect(responses.rows).toEqual([{ customer_id: 'J1', customer_response: 'opted_out' }, { customer_id: 'J2', customer_response: 'opted_out' }]);

    clock.advance(8 * DAY); // past the cool-off
    await scoreCustomers(['J1', 'J2']);
    expect(await latestStatuses('J1')).toEqual({ email: 'sent', sms: 'suppressed', app_notification: 'sent' });
    expect(await latestStatuses('J2')).toEqual({ email: 'sent', sms: 'suppressed', app_notification: 'sent' });
    expect(textsTo(JOINT_PHONE)).toBe(2);

    expect((await inbound('START', 'SMjointstart', JOINT_PHONE)).status).toBe(200);
    clock.advance(8 * DAY);
    await scoreCustomers(['J1', 'J2']);
    expect((await latestStatuses('J1')).sms).toBe('sent');
    expect((await latestStatuses('J2')).sms).toBe('sent');
    expect(textsTo(JOINT_PHONE)).toBe(4);
  });

  it('keeps a STOP from a number no customer has yet: a customer imported later with it is never texted', async () => {
    const phone = '+34611000002';
    expect((await inbound('Stop', 'SMstrangerstop', phone)).status).toBe(200);
    await upsertCustomers(engine.db.pool, [aCustomer('LATE1', { phone: '+34 611 00 00 02' })]);
    await scoreCustomers(['LATE1']);
    expect(await latestStatuses('LATE1')).toEqual({ email: 'sent', sms: 'suppressed', app_notification: 'sent' });
    expect(textsTo(phone)).toBe(0);
  });
});

describe('an email address that opted out', () => {
  it('stays suppressed for a customer imported later with the same address, written differently', async () => {
    await upsertCustomers(engine.db.pool, [aCustomer('E1', { email: 'shared.inbox@example.com' })]);
    await scoreCustomers(['E1']);
    const email = await latestDelivery('E1', 'email');
    const res = await postSendGrid([{ event: 'spamreport', email: 'shared.inbox@example.com', sg_event_id: 'spam-e1', delivery_id: String(email.delivery_id), timestamp: Math.floor(clock.now().getTime() / 1000) }]);
    expect(res.status).toBe(202);

    await upsertCustomers(engine.db.pool, [aCustomer('E2', { email: '  Shared.Inbox@EXAMPLE.com ' })]);
    await scoreCustomers(['E2']);
    expect(await latestStatuses('E2')).toEqual({ email: 'suppressed', sms: 'failed', app_notification: 'sent' }); // no phone on file
    expect(sendgrid.accepted.filter((mail) => mail.body.personalizations[0]!.to[0]!.email.toLowerCase().includes('shared.inbox')).length).toBe(1);
  });

  it('keeps an unsubscribe SendGrid reports for a message we cannot match to a delivery', async () => {
    const res = await postSendGrid([{ event: 'unsubscribe', email: 'gone@example.com', sg_event_id: 'unsub-unmatched', timestamp: Math.floor(clock.now().getTime() / 1000) }]);
    expect(res.status).toBe(202);
    await upsertCustomers(engine.db.pool, [aCustomer('E3', { email: 'gone@example.com' })]);
    await scoreCustomers(['E3']);
    expect((await latestStatuses('E3')).email).toBe('suppressed');
  });

  it('an unsubscribe link suppresses the address (for another customer who has it) and the customer (at a new address)', async () => {
    await upsertCustomers(engine.db.pool, [aCustomer('U1', { email: 'family@example.com' }), aCustomer('U2', { email: 'family@example.com' })]);
    const token = signUnsubscribeToken('U1', engine.runtime.messages.signingSecret);
    const res = await engine.api(`/unsubscribe/${token}`, { method: 'POST', token: null, body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    await upsertCustomers(engine.db.pool, [aCustomer('U1', { email: 'new.address@example.com' })]);
    await scoreCustomers(['U1', 'U2']);
    expect((await latestStatuses('U1')).email).toBe('suppressed');
    expect((await latestStatuses('U2')).email).toBe('suppressed');
  });
});

describe('suppressions recorded before they were keyed by address', () => {
  it('are hashed at start-up by their customer\'s address, once, and then hold for every customer on it', async () => {
    await upsertCustomers(engine.db.pool, [
      aCustomer('OLD1', { phone: '+34611000003', email: 'old1@example.com' }),
      aCustomer('OLD2', { phone: '+34611000003', email: 'old2@example.com' }),
      aCustomer('OLD3', { phone: null, email: null }),
    ]);
    // As the migration leaves a row from before: keyed by customer, its address still to hash.
    await engine.db.pool.query(
      `insert into suppressions (customer_id, channel, reason, source, created_at, hash_pending)
       values ('OLD1', 'sms', 'stop', 'sms', $1, true), ('OLD3', 'sms', 'stop', 'sms', $1, true), ('OLD2', 'email', 'unsubscribe', 'link', $1, true)`,
      [clock.now()],
    );
    expect(await hashPendingSuppressions(engine.db.pool, engine.runtime.addressKey)).toBe(3);
    expect(await hashPendingSuppressions(engine.db.pool, engine.runtime.addressKey)).toBe(0);
    const hashes = [addressHash(engine.runtime.addressKey, 'phone', '+34611000003'), addressHash(engine.runtime.addressKey, 'email', 'old2@example.com')];
    const { rows } = await engine.db.pool.query<{ customer_id: string | null; channel: string; keyed_by_address: boolean; hash_pending: boolean }>(
      `select customer_id, channel, address_hash is not null as keyed_by_address, hash_pending from suppressions
        where customer_id in ('OLD1', 'OLD2', 'OLD3') or address_hash = any($1::text[]) order by channel, customer_id nulls first`,
      [hashes],
    );
    expect(rows).toEqual([
      { customer_id: null, channel: 'email', keyed_by_address: true, hash_pending: false },
      { customer_id: 'OLD2', channel: 'email', keyed_by_address: false, hash_pending: false }, // the link's customer row stays
      { customer_id: null, channel: 'sms', keyed_by_address: true, hash_pending: false },
      { customer_id: 'OLD3', channel: 'sms', keyed_by_address: false, hash_pending: false }, // no number to key it by: stays the customer's
    ]);
    clock.advance(8 * DAY);
    await scoreCustomers(['OLD2']);
    expect(await latestStatuses('OLD2')).toEqual({ email: 'suppressed', sms: 'suppressed', app_notification: 'sent' });
  });
});

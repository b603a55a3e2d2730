// Input from a careless client or an attacker: a bad row costs only itself and is reported with
// its index and reason, whatever the database would have said of it.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { upsertCustomers } from '../../src/db/portfolio.js';
import { addressHash } from '../../src/domain/address-hash.js';
import { count, startTestEngine, TEST_ADMIN_TOKEN, type TestEngine } from '../support/engine.js';
import { eventWebhookKeys, signEventWebhook } from '../fakes/fake-sendgrid.js';
import { twilioSignature } from '../fakes/fake-twilio.js';

const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
const PUBLIC = 'https://engine.lender.example';
const TWILIO_TOKEN = 'f'.repeat(32);
const keys = eventWebhookKeys();
let engine: TestEngine;
/** The engine's log lines, parsed. */
const logLines: { level: number; msg: string; err?: unknown }[] = [];

beforeAll(async () => {
  engine = await startTestEngine({
    clock,
    web: true,
    workers: false,
    logTo: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as (typeof logLines)[number]);
        done();
      },
    }),
    env: { LOG_LEVEL: 'info', PUBLIC_BASE_URL: PUBLIC, SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey, TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: TWILIO_TOKEN, TWILIO_FROM_NUMBER: '+15005550006' },
  });
  await upsertCustomers(
    engine.db.pool,
    ['H1', 'H2', 'H3', 'REFUSED'].map((id) => ({ customerId: id, fullName: `Customer ${id}`, email: null, phone: null, timezone: 'UTC', locale: 'en', smsConsent: false })),
  );
});

afterAll(async () => {
  await engine?.close();
});

async function storedScores(day: string) {
  const { rows } = await engine.db.pool.query<{ customer_id: string }>(
    "select customer_id from risk_scores where score_date >= $1::date and score_date < $1::date + 1 order by customer_id",
    [day],
  );
  return rows.map((row) => row.customer_id);
}

describe('POST /risk_scores with hostile rows', () => {
  it('stores the good rows and reports each bad one (NUL, deep explanation, roll-over date, a date years ahead, hex score) by index and field', async () => {
    const deep = 'DEEP';
    const rows = [
        { customer_id: 'H1', risk_score: 0.4, score_date: '2026-11-01' },
        { customer_id: 'H2', risk_score: 0.4, score_date: '2026-11-01', risk_level: 'hi\u0000gh' },
        { customer_id: 'H3', risk_score: 0.4, score_date: '2026-11-01', explanation: deep },
        { customer_id: 'H2', risk_score: 0.4, score_date: '2026-02-30' },
        { customer_id: 'H2', risk_score: 0.4, score_date: '9999-12-31' },
        { customer_id: 'H3', risk_score: '0x1', score_date: '2026-11-02' },
        { customer_id: 'H3', risk_score: 0.4, score_date: '2026-11-01', explanation: { ['k\ud800']: 1 } },
        { customer_id: 'H2', risk_score: '0.5', score_date: '2026-11-01' },
    ];
    // Written as text: JSON.stringify itself overflows on 5,000 levels.
    const body = JSON.stringify(rows).replace('"DEEP"', `{"top_drivers":[],"x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    const res = await engine.api('/risk_scores', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map((r) => [r.index, r.error.split(':')[0]])).toEqual([
      [1, 'risk_level'],
      [2, 'explanation'],
      [3, 'score_date'],
      [4, 'score_date'],
      [5, 'risk_score'],
      [6, 'explanation'],
    ]);
    expect(await storedScores('2026-11-01')).toEqual(['H1', 'H2']);
  });

  it('stores the rest of the batch when the database itself refuses one row, and reports that row', async () => {
    await engine.db.pool.query(`
      create function refuse_one_score() returns trigger language plpgsql as $$
      begin
        if new.customer_id = 'REFUSED' then raise exception 'value refused for this test' using errcode = '22023'; end if;
        return new;
      end $$;
      create trigger refuse_one_score before insert on risk_scores for each row execute function refuse_one_score();`);
    try {
      const rows = ['H1', 'H2', 'REFUSED', 'H3'].map((id) => ({ customer_id: id, risk_score: 0.5, score_date: '2026-11-10' }));
      const res = await engine.api('/risk_scores', { method: 'POST', json: rows });
      expect(res.status).toBe(202);
      const body = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
      expect(body.accepted).toBe(3);
      expect(body.rejected).toEqual([{ index: 2, error: 'could not be stored: value refused for this test' }]);
      expect(await storedScores('2026-11-10')).toEqual(['H1', 'H2', 'H3']);
    } finally {
      await engine.db.pool.query('drop trigger refuse_one_score on risk_scores; drop function refuse_one_score()');
    }
  });
});

/** Posts SendGrid events signed for real, the body given as text when it must be (too deep for JSON.stringify). */
async function postSendGrid(events: unknown[] | string) {
  const payload = typeof events === 'string' ? events : JSON.stringify(events);
  const headers = signEventWebhook(payload, keys.privateKeyPem, String(Math.floor(clock.now().getTime() / 1000)));
  return engine.api('/webhooks/sendgrid', { method: 'POST', token: null, body: payload, headers: { ...headers, 'content-type': 'application/json' } });
}

async function postTwilio(path: string, params: Record<string, string>) {
  const signature = twilioSignature(TWILIO_TOKEN, `${PUBLIC}${path}`, params);
  return engine.api(path, { method: 'POST', token: null, body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } });
}

const suppressed = (kind: 'email' | 'phone', address: string, reason: string) =>
  count(engine, 'select 1 from suppressions where address_hash = $1 and reason = $2', [addressHash(engine.runtime.addressKey, kind, address), reason]);

describe('a SendGrid batch with events that cannot be applied', () => {
  it('applies every other event, a spam report after the bad one included, on the first send and on every re-send, and keeps the bad ones as rejected with why', async () => {
    const at = Math.floor(clock.now().getTime() / 1000);
    const events = [
      { event: 'delivered', sg_event_id: 'nul-\u0000-id', email: 'a@example.com', timestamp: at },
      { event: 'deli\u0000vered', sg_event_id: 'bad-name', email: 'a@example.com', timestamp: at },
      { event: 'bounce', type: 'bounce', sg_event_id: 'bounce-nul-reason', email: 'bounced@example.com', reason: '550 \u0000 no such user \ud800', timestamp: at },
      { event: 'open', sg_event_id: 42, email: 'a@example.com', timestamp: at },
      'not an event',
      { event: 'spamreport', sg_event_id: 'spam-after-bad', email: 'complainer@example.com', timestamp: at },
    ];
    for (const attempt of [1, 2, 3]) {
      const res = await postSendGrid(events);
      expect(res.status, `send ${attempt}`).toBe(202);
      const body = (await res.json()) as { applied: number; rejected: { index: number; reason: string }[] };
      expect(body.applied).toBe(attempt === 1 ? 2 : 0);
      expect(body.rejected).toEqual([
        { index: 0, reason: 'sg_event_id contains a NUL character at position 5' },
        { index: 1, reason: 'event contains a NUL character at position 5' },
        { index: 3, reason: 'sg_event_id: Invalid input: expected string, received number' },
        { index: 4, reason: 'not a JSON object' },
      ]);
    }
    expect(await suppressed('email', 'complainer@example.com', 'spam_report')).toBe(1);
    expect(await suppressed('email', 'bounced@example.com', 'hard_bounce')).toBe(1);
    const { rows } = await engine.db.pool.query<{ payload: { reason: string } }>("select payload from delivery_events where event_key = 'bounce-nul-reason'");
    expect(rows.map((r) => r.payload.reason)).toEqual(['550 \ufffd no such user \ufffd']);
    expect(await count(engine, "select 1 from rejected_provider_events where provider = 'sendgrid'")).toBe(12);
  });

  it('rejects an event nested 5,000 levels deep and applies its neighbours', async () => {
    const at = Math.floor(clock.now().getTime() / 1000);
    const body = `[{"event":"unsubscribe","sg_event_id":"deep","email":"deep@example.com","x":${'['.repeat(5_000)}${']'.repeat(5_000)}},` +
      `{"event":"unsubscribe","sg_event_id":"beside-deep","email":"beside@example.com","timestamp":${at}}]`;
    const res = await postSendGrid(body);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { rejected: unknown[] }).rejected).toEqual([{ index: 0, reason: 'the event is nested deeper than 16 levels' }]);
    expect(await suppressed('email', 'beside@example.com', 'unsubscribe')).toBe(1);
    expect(await suppressed('email', 'deep@example.com', 'unsubscribe')).toBe(0);
    expect(await count(engine, "select 1 from rejected_provider_events where reason = 'the event is nested deeper than 16 levels' and payload is null")).toBe(1);
  });
});

describe('Twilio callbacks with fields that cannot be stored', () => {
  it.each([
    ['a status callback with a NUL in MessageSid', '/webhooks/twilio/status?delivery_id=1', { MessageSid: 'SM\u0000x', MessageStatus: 'delivered' }, 202, 'MessageSid contains a NUL character at position 3'],
    ['a status callback with a NUL in ErrorCode', '/webhooks/twilio/status', { MessageSid: 'SMerr', MessageStatus: 'failed', ErrorCode: '30\u00003' }, 202, 'ErrorCode contains a NUL character at position 3'],
    ['an inbound SMS with a NUL in From', '/webhooks/twilio/inbound', { MessageSid: 'SMin1', From: '+3461\u00001', Body: 'STOP' }, 200, 'From contains a NUL character at position 6'],
    ['an inbound SMS with a NUL in MessageSid', '/webhooks/twilio/inbound', { MessageSid: 'S\u0000Min', From: '+34611000001', Body: 'hello' }, 200, 'MessageSid contains a NUL character at position 2'],
  ])('answers %s with a 2xx and keeps it as rejected with why', async (_what, path, params, status, reason) => {
    const res = await postTwilio(path, params);
    expect(res.status).toBe(status);
    expect(await count(engine, "select 1 from rejected_provider_events where provider = 'twilio' and reason = $1", [reason])).toBe(1);
  });

  it('honours a STOP whose text holds a NUL after the keyword is cut: the text is kept with the NUL replaced', async () => {
    const res = await postTwilio('/webhooks/twilio/inbound', { MessageSid: 'SMstop-nul', From: '+34611000077', Body: 'STOP\u0000' });
    expect(res.status).toBe(200);
    expect(await suppressed('phone', '+34611000077', 'stop')).toBe(1);
  });
});

describe('opt-out words in the customer\'s language', () => {
  it.each([
    ['Spanish ALTO', 'ALTO', '+34611000101'],
    ['French ARRÊT', 'Arrêt', '+34611000102'],
    ['full-width ＳＴＯＰ', 'ＳＴＯＰ', '+34611000103'],
  ])('suppresses SMS to the number on %s, and opens no follow-up', async (_what, body, from) => {
    const res = await postTwilio('/webhooks/twilio/inbound', { MessageSid: `SM-${from}`, From: from, Body: body });
    expect(res.status).toBe(200);
    expect(await suppressed('phone', from, 'stop')).toBe(1);
    expect(await count(engine, "select 1 from delivery_events where event_key = $1 and event_type = 'inbound_stop'", [`inbound:SM-${from}`])).toBe(1);
  });
});

describe('a client\'s mistake in the URL or the credentials', () => {
  const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

  it.each([
    ['GET', '/unsubscribe/%'],
    ['POST', '/unsubscribe/%'],
    ['GET', '/unsubscribe/%E0%A4%A'],
    ['GET', '/interventions/%E0%A4%A'],
    ['GET', '/customers/%ff/timeline'],
    ['POST', '/trigger_intervention/%'],
    ['GET', '/customers/%C0%AF/preferences'],
  ])('answers %s %s (malformed percent-encoding) with 400 {"error"}, and logs no error', async (method, path) => {
    const before = logLines.length;
    const res = await engine.api(path, { method });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'the URL has malformed percent-encoding' });
    const lines = logLines.slice(before);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(JSON.stringify(lines)).not.toMatch(/\n\s+at /);
  });

  it('refuses a bearer token followed by anything else', async () => {
    const res = await engine.api('/agent_tasks', { token: null, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN} anything` } });
    expect(res.status).toBe(401);
  });

  it('answers Bull Board without X-Powered-By', async () => {
    const res = await engine.api('/admin/queues', { token: null, headers: { authorization: basic('admin', TEST_ADMIN_TOKEN) } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

// A customer's timeline: everything that happened to them, from every table the engine writes,
// newest first, a page at a time without losing or repeating an entry; the opt-outs of the
// addresses they have now are theirs too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { upsertCustomers } from '../../src/db/portfolio.js';
import { suppressAddress } from '../../src/db/suppressions.js';
import { addressHash } from '../../src/domain/address-hash.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { fakeProviderEnv } from '../support/portfolio.js';
import { scoreAndSettle } from '../support/scoring.js';
import { postInboundSms } from '../support/webhooks.js';
import { eventWebhookKeys, startFakeSendGrid } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio, twilioSignature } from '../fakes/fake-twilio.js';

const PUBLIC = 'https://engine.lender.example';
const PHONE = '+34611000201';
const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
const keys = eventWebhookKeys();
let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;
let twilioFake: Awaited<ReturnType<typeof startFakeTwilio>>;

interface Entry {
  kind: string;
  id: number | string;
  at: string;
  detail: Record<string, unknown>;
}
interface Page {
  customer_id: string;
  known: boolean;
  entries: Entry[];
  next_before: string | null;
}

async function timeline(id: string, query = ''): Promise<Page> {
  const res = await engine.api(`/customers/${id}/timeline${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

const kinds = (entries: Entry[]) => new Set(entries.map((entry) => entry.kind));

beforeAll(async () => {
  sendgrid = await startFakeSendGrid();
  twilioFake = await startFakeTwilio();
  engine = await startTestEngine({
    clock,
    web: true,
    env: { HOLDOUT_PERCENT: '0', PUBLIC_BASE_URL: PUBLIC, ...fakeProviderEnv(sendgrid, twilioFake), SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey },
  });
  // An opt-out of the address, recorded before the customer was imported with it.
  await suppressAddress(engine.db.pool, addressHash(engine.runtime.addressKey, 'email', 'tl1@example.com')!, { channel: 'email', reason: 'spam_report', source: 'sendgrid' }, new Date(clock.now().getTime() - 86_400_000));
  await upsertCustomers(engine.db.pool, [{ customerId: 'TL1', fullName: 'Teo Lima', email: 'tl1@example.com', phone: PHONE, timezone: 'Europe/Madrid', locale: 'en', smsConsent: true }]);
  await scoreAndSettle(engine, clock, ['TL1']);
  clock.advance(60_000);
  const { rows } = await engine.db.pool.query<{ delivery_id: number }>("select delivery_id from deliveries where customer_id = 'TL1' and channel = 'sms'");
  const callback = `${PUBLIC}/webhooks/twilio/status?delivery_id=${rows[0]!.delivery_id}`;
  const params = { MessageSid: twilioFake.accepted[0]!.sid, MessageStatus: 'delivered', To: PHONE };
  const status = await engine.api(`/webhooks/twilio/status?delivery_id=${rows[0]!.delivery_id}`, {
    method: 'POST',
    token: null,
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(twilioFake.authToken, callback, params) },
  });
  expect(status.status).toBe(204);
  expect((await postInboundSms(engine, twilioFake, PUBLIC, { body: 'Can we talk on Friday?', sid: 'SMtl1reply', from: PHONE })).status).toBe(200);
  clock.advance(60_000);
  expect((await engine.api('/customers/TL1/preferences', { method: 'PUT', json: { channels: { app_notification: false } } })).status).toBe(200);
});

afterAll(async () => {
  await engine?.close();
  await sendgrid?.close();
  await twilioFake?.close();
});

describe('GET /customers/:id/timeline', () => {
  it('shows every kind of event of the customer, newest first', async () => {
    const page = await timeline('TL1', '?limit=500');
    expect(page).toMatchObject({ customer_id: 'TL1', known: true, next_before: null });
    expect([...kinds(page.entries)].sort()).toEqual(['decision', 'delivery', 'delivery_event', 'intervention', 'preference_change', 'response', 'score', 'suppression']);
    const times = page.entries.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const decision = page.entries.find((entry) => entry.kind === 'decision')!;
    expect(decision.detail).toMatchObject({ outcome: 'intervention', intervention_type: 'flexible_payment', trend: 'stable_high', policy_version: (await engine.runtime.strategies.current(engine.db.pool)).champion.policy.version, strategy: 'default' });
    expect(page.entries.filter((entry) => entry.kind === 'score')).toHaveLength(3);
    expect(page.entries.filter((entry) => entry.kind === 'delivery').map((entry) => entry.detail.channel).sort()).toEqual(['app_notification', 'email', 'sms']);
    expect(page.entries.find((entry) => entry.kind === 'delivery' && entry.detail.channel === 'email')!.detail.status).toBe('suppressed');
    expect(page.entries.find((entry) => entry.kind === 'delivery' && entry.detail.channel === 'sms')!.detail.status).toBe('delivered');
    expect(page.entries.filter((entry) => entry.kind === 'delivery_event').map((entry) => entry.detail)).toEqual([
      { provider: 'twilio', event_type: 'inbound_other', delivery_id: null, channel: null },
      { provider: 'twilio', event_type: 'delivered', delivery_id: expect.any(Number), channel: 'sms' },
    ]);
    expect(page.entries.find((entry) => entry.kind === 'response')!.detail).toMatchObject({ response_type: 'engaged', source: 'sms', notes: 'Can we talk on Friday?' });
    expect(page.entries.filter((entry) => entry.kind === 'suppression').map((entry) => entry.detail)).toEqual([
      { channel: 'app_notification', reason: 'preference', source: 'api', keyed_by: 'customer' },
      { channel: 'email', reason: 'spam_report', source: 'sendgrid', keyed_by: 'address' },
    ]);
    expect(page.entries.find((entry) => entry.kind === 'preference_change')!.detail).toEqual({ source: 'api', actor: 'admin', changes: { app_notification: { from: 'on', to: 'off' } } });
    // The rendered messages stay with the intervention (GET /interventions/:id), not in the timeline.
    expect(page.entries.find((entry) => entry.kind === 'intervention')!.detail).not.toHaveProperty('messages');
  });

  it('pages through the whole timeline with next_before, every entry once and in order', async () => {
    const all = (await timeline('TL1', '?limit=500')).entries;
    const seen: Entry[] = [];
    let before: string | null = null;
    do {
      const page = await timeline('TL1', `?limit=3${before ? `&before=${encodeURIComponent(before)}` : ''}`);
      expect(page.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.entries);
      before = page.next_before;
    } while (before);
    expect(seen.map((entry) => `${entry.kind}:${entry.id}`)).toEqual(all.map((entry) => `${entry.kind}:${entry.id}`));
  });

  it("shows a column a later migration adds to decisions (the strategy a decision followed) without a change of the timeline's code", async () => {
    await engine.db.pool.query('alter table decisions add column if not exists strategy text');
    await engine.db.pool.query("update decisions set strategy = 'champion' where customer_id = 'TL1'");
    const decision = (await timeline('TL1')).entries.find((entry) => entry.kind === 'decision')!;
    expect(decision.detail.strategy).toBe('champion');
  });

  it('answers 404 for a customer nobody knows, and 400 for a cursor it did not write', async () => {
    expect((await engine.api('/customers/NOBODY/timeline')).status).toBe(404);
    for (const before of ['yesterday', '2026-11-25T14:00:00Z~2~1', '2026-11-25T14:00:00.000000Z~0~1']) {
      const res = await engine.api(`/customers/TL1/timeline?before=${encodeURIComponent(before)}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^before must be the next_before of a previous page/);
    }
    expect((await engine.api('/customers/TL1/timeline?limit=0')).status).toBe(400);
  });
});

// The customer's choices: the preference centre behind every email's unsubscribe link (in the
// customer's language, each channel on or off, the language, the one-click unsubscribe) and the
// agents' GET/PUT /customers/:id/preferences, checked through the real delivery path: a channel
// turned off is suppressed, turned on again it is sent, an opt-out from STOP is never lifted by
// a choice, and a chosen language is the language of the next messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { upsertCustomers } from '../../src/db/portfolio.js';
import type { Customer } from '../../src/domain/types.js';
import { signUnsubscribeToken } from '../../src/domain/unsubscribe-token.js';
import { count, startTestEngine, type TestEngine } from '../support/engine.js';
import { fakeProviderEnv } from '../support/portfolio.js';
import { latestStatuses, scoreAndSettle } from '../support/scoring.js';
import { postInboundSms } from '../support/webhooks.js';
import { startFakeSendGrid } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio } from '../fakes/fake-twilio.js';

const PUBLIC = 'https://engine.lender.example';
const DAY = 86_400_000;
const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;
let twilioFake: Awaited<ReturnType<typeof startFakeTwilio>>;

const aCustomer = (id: string, fields: Partial<Customer> = {}): Customer => ({
  customerId: id, fullName: `Lucía ${id}`, email: `${id.toLowerCase()}@example.com`, phone: null, timezone: 'Europe/Madrid', locale: 'es', smsConsent: true, ...fields,
});
const tokenOf = (id: string) => signUnsubscribeToken(id, engine.runtime.messages.signingSecret);
const form = (fields: [string, string][]) => ({ 'content-type': 'application/x-www-form-urlencoded', body: new URLSearchParams(fields).toString() });

async function openPage(id: string, headers: Record<string, string> = {}) {
  const res = await engine.api(`/unsubscribe/${tokenOf(id)}`, { token: null, headers });
  return { status: res.status, language: res.headers.get('content-language'), html: await res.text() };
}

async function post(id: string, fields: [string, string][]) {
  const { body, ...headers } = form(fields);
  const res = await engine.api(`/unsubscribe/${tokenOf(id)}`, { method: 'POST', token: null, body, headers });
  return { status: res.status, language: res.headers.get('content-language'), html: await res.text() };
}

const channelsForm = (on: string[], offered = ['email', 'sms', 'app_notification']): [string, string][] => [
  ['action', 'channels'],
  ...offered.map((channel): [string, string] => ['offered', channel]),
  ...on.map((channel): [string, string] => [channel, 'on']),
];

async function preferences(id: string) {
  const res = await engine.api(`/customers/${id}/preferences`);
  expect(res.status).toBe(200);
  return (await res.json()) as { locale: string; chosen_locale: string | null; lender_locale: string; channels: Record<string, { choice: string; contacted: boolean; opt_out: { reason: string; keyed_by: string } | null }> };
}

const inbound = (body: string, sid: string, from: string) => postInboundSms(engine, twilioFake, PUBLIC, { body, sid, from });

const latestSubject = async (id: string) => {
  const { rows } = await engine.db.pool.query<{ subject: string }>("select messages -> 'email' ->> 'subject' as subject from interventions where customer_id = $1 order by intervention_id desc limit 1", [id]);
  return rows[0]?.subject;
};

beforeAll(async () => {
  sendgrid = await startFakeSendGrid();
  twilioFake = await startFakeTwilio();
  engine = await startTestEngine({ clock, web: true, env: { HOLDOUT_PERCENT: '0', PUBLIC_BASE_URL: PUBLIC, SUPPORT_PHONE: '+34 900 000 000', ...fakeProviderEnv(sendgrid, twilioFake) } });
});

afterAll(async () => {
  await engine?.close();
  await sendgrid?.close();
  await twilioFake?.close();
});

describe('the preference centre', () => {
  it("opens in the customer's language with every channel on, and turning SMS off suppresses the next text", async () => {
    await upsertCustomers(engine.db.pool, [aCustomer('P1', { phone: '+34611000101' })]);
    const page = await openPage('P1');
    expect(page).toMatchObject({ status: 200, language: 'es' });
    expect(page.html).toContain('<html lang="es">');
    expect(page.html).toContain('Cómo nos ponemos en contacto con usted');
    expect(page.html).toMatch(/name="sms" value="on" checked/);
    expect(page.html).toContain('Darme de baja de los correos');

    const saved = await post('P1', channelsForm(['email', 'app_notification']));
    expect(saved.status).toBe(200);
    expect(saved.html).toContain('Hemos guardado sus preferencias');
    expect(saved.html).not.toMatch(/name="sms" value="on" checked/);
    // Sent twice (a double click, a reload): nothing changes the second time.
    expect((await post('P1', channelsForm(['email', 'app_notification']))).html).toContain('No había nada que cambiar');
    expect(await count(engine, "select 1 from preference_changes where customer_id = 'P1'")).toBe(1);
    expect(await count(engine, "select 1 from suppressions where customer_id = 'P1' and channel = 'sms' and reason = 'preference'")).toBe(1);

    await scoreAndSettle(engine, clock, ['P1']);
    expect(await latestStatuses(engine, 'P1')).toEqual({ email: 'sent', sms: 'suppressed', app_notification: 'sent' });
    expect(twilioFake.accepted.filter((sms) => sms.to === '+34611000101')).toHaveLength(0);
  });

  it('turns SMS back on from the page, and the next text is sent', async () => {
    const saved = await post('P1', channelsForm(['email', 'sms', 'app_notification']));
    expect(saved.html).toMatch(/name="sms" value="on" checked/);
    clock.advance(8 * DAY); // past the cool-off
    await scoreAndSettle(engine, clock, ['P1']);
    expect(await latestStatuses(engine, 'P1')).toEqual({ email: 'sent', sms: 'sent', app_notification: 'sent' });
  });

  it("chooses English for a Spanish customer: the page and the next messages are in English, the lender's locale is untouched", async () => {
    expect(await latestSubject('P1')).toMatch(/algunas formas de facilitar su próximo pago/);
    const switched = await post('P1', [['action', 'language'], ['locale', 'en']]);
    expect(switched).toMatchObject({ status: 200, language: 'en' });
    expect(switched.html).toContain('Your choices are saved');
    expect(switched.html).toContain('lang="es">Español</button>');
    clock.advance(8 * DAY);
    await scoreAndSettle(engine, clock, ['P1']);
    expect(await latestSubject('P1')).toMatch(/a few ways to make your next payment easier/);
    expect(sendgrid.accepted.at(-1)?.body.subject).toMatch(/a few ways to make your next payment easier/);
    const { rows } = await engine.db.pool.query("select locale from customers where customer_id = 'P1'");
    expect(rows[0]).toEqual({ locale: 'es' });
    expect(await preferences('P1')).toMatchObject({ locale: 'en', chosen_locale: 'en', lender_locale: 'es' });
  });

  it('unsubscribes at once with the one-click POST, says so once, and then "already unsubscribed"', async () => {
    const first = await post('P1', [['List-Unsubscribe', 'One-Click']]);
    expect(first.status).toBe(200);
    expect(first.html).toContain('You are unsubscribed from our emails');
    expect(first.html).not.toContain('Unsubscribe from emails</button>');
    expect(first.html).toContain('Email: off.');
    const again = await post('P1', [['List-Unsubscribe', 'One-Click']]);
    expect(again.html).toContain('You are already unsubscribed from our emails');
    expect((await openPage('P1')).html).toContain('You are already unsubscribed from our emails.');
    expect(await count(engine, "select 1 from intervention_responses r join interventions i using (intervention_id) where i.customer_id = 'P1' and r.source = 'unsubscribe_link'")).toBe(1);
    // Turning email on again here lifts no opt-out: the unsubscribe stands.
    await post('P1', channelsForm(['email', 'sms', 'app_notification'], ['email', 'sms', 'app_notification']));
    clock.advance(8 * DAY);
    await scoreAndSettle(engine, clock, ['P1']);
    expect(await latestStatuses(engine, 'P1')).toEqual({ email: 'suppressed', sms: 'sent', app_notification: 'sent' });
  });

  it('takes the one-click POST as a mail client sends it, multipart, from a customer who never opened the page', async () => {
    await upsertCustomers(engine.db.pool, [aCustomer('P2')]);
    const body = new FormData();
    body.set('List-Unsubscribe', 'One-Click');
    const res = await engine.api(`/unsubscribe/${tokenOf('P2')}`, { method: 'POST', token: null, body });
    expect(res.status).toBe(200);
    expect((await preferences('P2')).channels.email).toMatchObject({ contacted: false, opt_out: { reason: 'unsubscribe' } });
  });

  it('keeps a STOP in place: the page says so and offers no SMS switch, and an agent turning SMS on lifts nothing', async () => {
    await upsertCustomers(engine.db.pool, [aCustomer('P3', { phone: '+34611000103', locale: 'en' })]);
    expect((await inbound('STOP', 'SMp3stop', '+34611000103')).status).toBe(200);
    const page = await openPage('P3');
    expect(page.html).toContain('Your number replied STOP');
    expect(page.html).not.toContain('name="sms"');
    expect(page.html).toContain('It does not undo a STOP sent by text');
    const res = await engine.api('/customers/P3/preferences', { method: 'PUT', json: { channels: { sms: true } } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { changed: object; channels: { sms: { contacted: boolean; opt_out: { reason: string; keyed_by: string } } } };
    expect(body.changed).toEqual({});
    expect(body.channels.sms).toMatchObject({ contacted: false, opt_out: { reason: 'stop', keyed_by: 'address' } });
    await scoreAndSettle(engine, clock, ['P3']);
    expect((await latestStatuses(engine, 'P3')).sms).toBe('suppressed');
  });

  it('says a customer without SMS consent is not texted, instead of offering a switch that does nothing', async () => {
    await upsertCustomers(engine.db.pool, [aCustomer('P4', { locale: 'en', smsConsent: false })]);
    const page = await openPage('P4');
    expect(page.html).toContain('we have no such agreement from you');
    expect(page.html).not.toContain('name="sms"');
  });

  it('answers a forged or damaged link with a page in the browser\'s language that changes nothing', async () => {
    const forged = await engine.api('/unsubscribe/u1.UDE.AAAAAAAAAAAAAAAAAAAAAA', { token: null, headers: { 'accept-language': 'es-ES,es;q=0.9' } });
    expect(forged.status).toBe(404);
    expect(await forged.text()).toContain('Este enlace no es válido');
    const posted = await engine.api('/unsubscribe/not-a-token', { method: 'POST', token: null, body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(posted.status).toBe(404);
    expect(await posted.text()).toContain('This link is not valid');
  });

  it('refuses a language without templates, changing nothing', async () => {
    const res = await post('P4', [['action', 'language'], ['locale', 'xx']]);
    expect(res.status).toBe(400);
    expect((await preferences('P4')).chosen_locale).toBeNull();
  });
});

describe('GET/PUT /customers/:id/preferences', () => {
  it('lets an agent turn channels off and choose the language, recorded in the audit log and the timeline', async () => {
    await upsertCustomers(engine.db.pool, [aCustomer('A1', { phone: '+34611000104' })]);
    const res = await engine.api('/customers/A1/preferences', { method: 'PUT', json: { channels: { email: false, app_notification: false }, locale: 'en' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Awaited<ReturnType<typeof preferences>> & { changed: object };
    expect(body.changed).toEqual({ email: { from: 'on', to: 'off' }, app_notification: { from: 'on', to: 'off' }, locale: { from: null, to: 'en' } });
    expect(body.channels.email).toEqual({ choice: 'off', contacted: false, opt_out: null });
    expect(body.channels.sms).toEqual({ choice: 'on', contacted: true, opt_out: null });
    const { rows } = await engine.db.pool.query("select actor, action, subject, details from audit_log where action = 'preferences.put'");
    expect(rows).toEqual([{ actor: 'admin', action: 'preferences.put', subject: 'A1', details: { changes: body.changed, via: 'bearer' } }]);
    expect(await count(engine, "select 1 from preference_changes where customer_id = 'A1' and source = 'api' and actor = 'admin'")).toBe(1);
    // The same request again changes nothing and records nothing.
    await engine.api('/customers/A1/preferences', { method: 'PUT', json: { channels: { email: false, app_notification: false }, locale: 'en' } });
    expect(await count(engine, "select 1 from audit_log where action = 'preferences.put'")).toBe(1);
    await scoreAndSettle(engine, clock, ['A1']);
    expect(await latestStatuses(engine, 'A1')).toEqual({ email: 'suppressed', sms: 'sent', app_notification: 'suppressed' });
  });

  it('answers HELP in the language the customer chose, not the lender\'s', async () => {
    // A1 is Spanish for the lender and chose English above.
    const res = await inbound('HELP', 'SMa1help', '+34611000104');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<Message>[^<]*: we're here to help\./);
  });

  it('goes back to the lender\'s language with locale null', async () => {
    const res = await engine.api('/customers/A1/preferences', { method: 'PUT', json: { locale: null } });
    expect(await res.json()).toMatchObject({ locale: 'es', chosen_locale: null, changed: { locale: { from: 'en', to: null } } });
  });

  it.each([
    [{ locale: 'fr' }, /^locale: must be one of en, es/],
    [{ channels: { email: 'no' } }, /^channels\.email: must be true \(on\) or false \(off\)/],
    [{ channels: { phone: false } }, /^channels: unknown field phone/],
    [{ colour: 'blue' }, /^unknown field colour/],
  ])('refuses %j with a 400 naming the field', async (json, message) => {
    const res = await engine.api('/customers/A1/preferences', { method: 'PUT', json });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('answers 404 for a customer the customers table does not hold', async () => {
    expect((await engine.api('/customers/NOBODY/preferences')).status).toBe(404);
    expect((await engine.api('/customers/NOBODY/preferences', { method: 'PUT', json: { locale: 'en' } })).status).toBe(404);
  });
});

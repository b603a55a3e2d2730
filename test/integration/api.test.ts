// The reference design's routes over real HTTP: admin auth, triggering an evaluation through
// the queue, reading interventions, posting a batch; every client mistake a 4xx with a reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPayments, insertScoreHistory, upsertCustomers } from '../../src/db/portfolio.js';
import { count, startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
const day = (n: number) => new Date(Date.UTC(2026, 10, 20 + n));

beforeAll(async () => {
  engine = await startTestEngine({ web: true });
  await upsertCustomers(engine.db.pool, [
    { customerId: 'HIGH', fullName: 'Ana García', email: 'ana@example.com', phone: '+34911234567', timezone: 'Europe/Madrid', locale: 'es', smsConsent: true },
    { customerId: 'LOW', fullName: 'Liam Smith', email: 'liam@example.com', phone: '+12125550100', timezone: 'America/New_York', locale: 'en', smsConsent: true },
    { customerId: 'NOSCORE', fullName: 'No Score', email: null, phone: null, timezone: 'UTC', locale: 'en', smsConsent: false },
  ]);
  await insertPayments(engine.db.pool, [{ customerId: 'HIGH', dueDate: '2026-12-01', amount: '250.00', currency: 'EUR', status: 'scheduled' }]);
  // HIGH rises into the critical band; LOW stays flat and low.
  await insertScoreHistory(engine.db.pool, [
    { customerId: 'HIGH', riskScore: 0.55, scoreDate: day(0) },
    { customerId: 'HIGH', riskScore: 0.7, scoreDate: day(1) },
    { customerId: 'HIGH', riskScore: 0.86, scoreDate: day(2) },
    { customerId: 'LOW', riskScore: 0.1, scoreDate: day(0) },
    { customerId: 'LOW', riskScore: 0.12, scoreDate: day(1) },
  ]);
});

afterAll(async () => {
  await engine?.close();
});

describe('POST /trigger_intervention/:customer_id', () => {
  it('evaluates the latest score through the queue and answers with the intervention', async () => {
    const res = await engine.api('/trigger_intervention/HIGH', { method: 'POST' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; intervention_id: number; intervention: Record<string, unknown> };
    expect(body.status).toBe('intervention_triggered');
    expect(body.intervention).toMatchObject({
      intervention_id: body.intervention_id,
      customer_id: 'HIGH',
      intervention_type: 'payment_assistance',
      urgency: 'critical',
      risk_score: 0.86,
      channels: ['phone', 'email'],
    });
    expect(typeof body.intervention.holdout).toBe('boolean');
  });

  it('answers the same decision when triggered again, without a second one', async () => {
    const res = await engine.api('/trigger_intervention/HIGH', { method: 'POST' });
    const body = (await res.json()) as { status: string };
    expect(body.status).toBe('intervention_triggered');
    expect(await count(engine, "select 1 from decisions where customer_id = 'HIGH'")).toBe(1);
  });

  it('says no intervention is needed, with the reason, for a low flat trend', async () => {
    const res = await engine.api('/trigger_intervention/LOW', { method: 'POST' });
    expect(await res.json()).toEqual({ status: 'no_intervention_needed', customer_id: 'LOW', risk_score: 0.12, reason: 'trend_stable_low' });
  });

  it('answers 404 No risk score found for a customer without scores', async () => {
    const res = await engine.api('/trigger_intervention/NOSCORE', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'No risk score found' });
  });
});

describe('GET /interventions/:id', () => {
  it('shows the intervention with its deliveries', async () => {
    const { rows } = await engine.db.pool.query<{ intervention_id: number }>("select intervention_id from interventions where customer_id = 'HIGH'");
    const res = await engine.api(`/interventions/${rows[0]!.intervention_id}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { deliveries: { channel: string }[]; holdout: boolean };
    expect(body.deliveries.map((d) => d.channel).sort()).toEqual(body.holdout ? [] : ['email', 'phone']);
  });

  it.each([
    ['abc', 400, /intervention id must be a positive integer/],
    ['1%20or%201=1', 400, /intervention id must be a positive integer/],
    ['99999999', 404, /intervention not found/],
  ])('answers %s with %i', async (id, status, message) => {
    const res = await engine.api(`/interventions/${id}`);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });
});

describe('POST /risk_scores', () => {
  it('accepts the good scores of a batch and lists the bad ones by index', async () => {
    const res = await engine.api('/risk_scores', {
      method: 'POST',
      json: [
        { customer_id: 'LOW', risk_score: 0.2, score_date: '2026-11-23' },
        { customer_id: 'GHOST', risk_score: 0.2 },
        { customer_id: 'LOW', risk_score: 'high' },
        42,
      ],
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { batch_id: string; accepted: number; rejected: { index: number; error: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.batch_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 3]);
    expect(body.rejected[0]!.error).toMatch(/unknown customer "GHOST"/);
  });

  it.each([
    ['an empty array', '[]', 'application/json', 400, /non-empty JSON array/],
    ['an object', '{"customer_id":"LOW"}', 'application/json', 400, /non-empty JSON array/],
    ['broken JSON', '[{"customer_id":', 'application/json', 400, /not valid JSON/],
    ['form data', 'customer_id=LOW', 'application/x-www-form-urlencoded', 415, /application\/json/],
  ])('rejects %s with a clear 4xx', async (_what, body, type, status, message) => {
    const res = await engine.api('/risk_scores', { method: 'POST', body, headers: { 'content-type': type } });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it('refuses a body over the size limit with 413', async () => {
    const big = JSON.stringify([{ customer_id: 'LOW', risk_score: 0.5, explanation: { note: 'x'.repeat(6_000_000) } }]);
    const res = await engine.api('/risk_scores', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
  });
});

describe('admin authentication', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'not-the-token'],
  ])('refuses %s with 401 and a JSON error', async (_what, token) => {
    const res = await engine.api('/interventions/1', { token });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toMatch(/admin/);
  });

  it('leaves health checks open', async () => {
    expect((await engine.api('/healthz', { token: null })).status).toBe(200);
    const ready = await engine.api('/readyz', { token: null });
    expect(await ready.json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
  });
});

// The audit log: every route that changes something declares the action it records (a route
// added without one fails here), each admin action is recorded with its time, actor, how the
// token was presented and what changed, Bull Board's job actions too, and GET /audit filters it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { upsertCustomers } from '../../src/db/portfolio.js';
import { count, startTestEngine, TEST_ADMIN_TOKEN, waitFor, type TestEngine } from '../support/engine.js';
import { routesOf } from '../support/routes.js';
import { scoreAndSettle } from '../support/scoring.js';

const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
const basicAdmin = `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString('base64')}`;
let engine: TestEngine;

/** Every route that changes something, and the action (or resource.) it writes to the audit log. */
const AUDITED: Record<string, string> = {
  'POST /trigger_intervention/:customer_id': 'intervention.trigger',
  'POST /interventions/:id/response': 'intervention.response',
  'POST /risk_scores': 'risk_scores.ingest',
  'POST /agent_tasks/:id/claim': 'agent_task.claim',
  'POST /agent_tasks/:id/complete': 'agent_task.complete',
  'POST /customers/:id/notifications/:notification_id/read': 'notification.read',
  'PUT /customers/:id/preferences': 'preferences.put',
  'DELETE /customers/:id/personal-data': 'customer.erase',
  // The strategies' routes write strategy.* entries, tested with them.
  'PUT /strategies/:name': 'strategy.',
  'POST /strategies/:name/promote': 'strategy.',
  'DELETE /strategies/:name': 'strategy.',
  // The customer's own pages and the providers' webhooks are not admin actions: the preference
  // centre's changes go to the customer's timeline (preference_changes), the webhooks' to
  // delivery_events.
  'POST /unsubscribe/:token': '',
  'POST /webhooks/sendgrid': '',
  'POST /webhooks/twilio/status': '',
  'POST /webhooks/twilio/inbound': '',
};

interface AuditRow {
  audit_id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

async function audit(query = ''): Promise<{ entries: AuditRow[]; next_before: number | null }> {
  const res = await engine.api(`/audit${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as { entries: AuditRow[]; next_before: number | null };
}

const latest = async (action: string) => (await audit(`?action=${action}&limit=1`)).entries[0];

beforeAll(async () => {
  engine = await startTestEngine({ clock, web: true, env: { HOLDOUT_PERCENT: '0' } });
  await upsertCustomers(engine.db.pool, [
    { customerId: 'AU1', fullName: 'Ada Uno', email: 'au1@example.com', phone: '+34611000401', timezone: 'Europe/Madrid', locale: 'en', smsConsent: true },
    { customerId: 'AU2', fullName: 'Ada Dos', email: 'au2@example.com', phone: '+34611000402', timezone: 'Europe/Madrid', locale: 'en', smsConsent: true },
  ]);
  await scoreAndSettle(engine, clock, ['AU1'], { riskScore: 0.9, deliveries: 2 }); // a call task
  await scoreAndSettle(engine, clock, ['AU2']); // an in-app notification
});

afterAll(async () => {
  await engine?.close();
});

describe('the audit log', () => {
  it('knows the action of every route that changes something', () => {
    const mutating = routesOf(engine.web!.app).filter((route) => !['GET', 'HEAD', 'OPTIONS'].includes(route.method));
    expect(mutating.length).toBeGreaterThanOrEqual(12);
    for (const route of mutating) expect(Object.keys(AUDITED), `${route.method} ${route.path} records no audit entry`).toContain(`${route.method} ${route.path}`);
  });

  it('records a scoring batch and a trigger, with the actor and how the token came', async () => {
    expect(await latest('risk_scores.ingest')).toMatchObject({ actor: 'admin', details: { accepted: 1, already_ingested: 0, rejected: 0, via: 'bearer' } });
    const res = await engine.api('/trigger_intervention/AU2', { token: null, headers: { authorization: basicAdmin }, method: 'POST' });
    expect(res.status).toBe(200);
    expect(await latest('intervention.trigger')).toMatchObject({ actor: 'admin', subject: 'AU2', at: clock.now().toISOString(), details: { score_date: expect.any(String), via: 'basic' } });
  });

  it("records an agent's claim once, the completion without the customer's words, and a response", async () => {
    const { rows } = await engine.db.pool.query<{ task_id: number; intervention_id: number }>("select task_id, intervention_id from agent_tasks where customer_id = 'AU1'");
    const task = rows[0]!;
    for (let i = 0; i < 2; i += 1) expect((await engine.api(`/agent_tasks/${task.task_id}/claim`, { method: 'POST', json: { agent: 'alice' } })).status).toBe(200);
    expect(await count(engine, "select 1 from audit_log where action = 'agent_task.claim'")).toBe(1);
    expect(await latest('agent_task.claim')).toMatchObject({ subject: String(task.task_id), details: { agent: 'alice', customer_id: 'AU1' } });
    await engine.api(`/agent_tasks/${task.task_id}/complete`, { method: 'POST', json: { agent: 'alice', response_type: 'accepted_offer', notes: 'wants a payment holiday' } });
    const completed = await latest('agent_task.complete');
    expect(completed).toMatchObject({ details: { agent: 'alice', response_type: 'accepted_offer', with_notes: true } });
    expect(JSON.stringify(completed)).not.toContain('payment holiday');
    await engine.api(`/interventions/${task.intervention_id}/response`, { method: 'POST', json: { response_type: 'engaged' } });
    expect(await latest('intervention.response')).toMatchObject({ subject: String(task.intervention_id), details: { customer_id: 'AU1', response_type: 'engaged', with_notes: false } });
  });

  it('records a notification read once', async () => {
    const { rows } = await engine.db.pool.query<{ notification_id: number }>("select notification_id from notifications where customer_id = 'AU2'");
    for (let i = 0; i < 2; i += 1) expect((await engine.api(`/customers/AU2/notifications/${rows[0]!.notification_id}/read`, { method: 'POST' })).status).toBe(200);
    expect(await count(engine, "select 1 from audit_log where action = 'notification.read'")).toBe(1);
  });

  it("records Bull Board's job actions once they succeed, by queue and action, and not a refused one", async () => {
    const board = (path: string) => engine.api(`/admin/queues/api/queues/${path}`, { method: 'PUT', token: null, headers: { authorization: basicAdmin } });
    // Refused first: had it been recorded, its entry would be there before the others'.
    expect((await board('no-such-queue/pause')).status).toBe(404);
    expect((await board('deliver-sms/pause')).status).toBe(200);
    expect((await board('deliver-sms/resume')).status).toBe(200);
    const [job] = await engine.runtime.queues.evaluate.getCompleted(0, 0);
    expect((await board(`evaluate-customer/${encodeURIComponent(job!.id!)}/clean`)).status).toBe(204);
    expect((await board('deliver-email/clean/completed')).status).toBe(200);
    await waitFor('the board actions in the audit log', async () => (await count(engine, "select 1 from audit_log where action like 'queue.%' or action like 'job.%'")) >= 4);
    const entries = (await audit('?action=queue')).entries.map(({ action, subject, details }) => ({ action, subject, details }));
    expect(entries).toEqual([
      { action: 'queue.clean', subject: 'deliver-email', details: { status: 'completed', via: 'basic' } },
      { action: 'queue.resume', subject: 'deliver-sms', details: { via: 'basic' } },
      { action: 'queue.pause', subject: 'deliver-sms', details: { via: 'basic' } },
    ]);
    expect(await latest('job.clean')).toMatchObject({ subject: 'evaluate-customer', details: { job_id: job!.id } });
  });
});

describe('GET /audit', () => {
  it('lists newest first and pages with next_before', async () => {
    const all = (await audit('?limit=1000')).entries;
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.map((entry) => entry.audit_id)).toEqual([...all.map((entry) => entry.audit_id)].sort((a, b) => b - a));
    const first = await audit('?limit=3');
    const second = await audit(`?limit=3&before=${first.next_before}`);
    expect([...first.entries, ...second.entries].map((entry) => entry.audit_id)).toEqual(all.slice(0, 6).map((entry) => entry.audit_id));
  });

  it('filters by actor, action and time', async () => {
    expect((await audit('?actor=viewer')).entries).toEqual([]);
    expect((await audit('?actor=admin')).entries.length).toBeGreaterThan(0);
    expect((await audit('?action=agent_task')).entries.map((entry) => entry.action).sort()).toEqual(['agent_task.claim', 'agent_task.complete']);
    expect((await audit('?since=2026-11-26')).entries).toEqual([]);
    expect((await audit(`?since=${encodeURIComponent('2026-11-25T14:00:00+00:00')}`)).entries.length).toBeGreaterThan(0);
  });

  it.each([
    ['?since=yesterday', /^since: must be an ISO 8601 date or date-time/],
    ['?since=2026-11-25T14:00:00', /^since: must be an ISO 8601/],
    ['?action=DROP%20TABLE', /^action: must be an action such as preferences\.put/],
    ['?limit=5000', /^limit must be a whole number from 1 to 1000/],
    ['?who=admin', /^unknown parameter who/],
  ])('answers %s with a 400 naming the parameter', async (query, message) => {
    const res = await engine.api(`/audit${query}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });
});

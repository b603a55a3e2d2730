// Bad input of every kind, across the HTTP API, the webhooks and the CLI: each gets a clear
// 4xx (or a one-line CLI error), never a 5xx or a stack trace, and nothing is written.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/portfolio.js';
import { runCommand } from '../support/cli.js';
import { count, startTestEngine, testEnv, type TestEngine } from '../support/engine.js';
import { eventWebhookKeys, signEventWebhook } from '../fakes/fake-sendgrid.js';

const keys = eventWebhookKeys();
let engine: TestEngine;
const STACK = /\n\s+at .+:\d+:\d+|\bat [\w.<>]+ \(/;

/** Rows of every table bad input could touch. */
async function written(): Promise<number> {
  return count(engine, `select 1 from risk_scores union all select 1 from decisions union all select 1 from delivery_events
                        union all select 1 from intervention_responses union all select 1 from suppressions union all select 1 from agent_tasks`);
}

beforeAll(async () => {
  engine = await startTestEngine({ web: true, workers: false, env: { SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey, TWILIO_AUTH_TOKEN: 'f'.repeat(32) } });
  await upsertCustomers(engine.db.pool, [{ customerId: 'OK', fullName: 'Ok', email: null, phone: null, timezone: 'UTC', locale: 'en', smsConsent: false }]);
});

afterAll(async () => {
  await engine?.close();
});

const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const huge = 'x'.repeat(6 * 1024 * 1024);

describe.each([
  ['POST /risk_scores as text/plain', 'POST', '/risk_scores', { body: '[]', headers: { 'content-type': 'text/plain' } }, 415],
  ['POST /risk_scores with a bare number', 'POST', '/risk_scores', json(42), 400],
  ['POST /risk_scores with a huge score', 'POST', '/risk_scores', json([{ customer_id: 'OK', risk_score: 1e308 }]), 400],
  ['POST /risk_scores with NaN', 'POST', '/risk_scores', json([{ customer_id: 'OK', risk_score: 'NaN' }]), 400],
  ['POST /risk_scores with a SQL-looking id', 'POST', '/risk_scores', json([{ customer_id: "1'; drop table customers; --", risk_score: 0.5 }]), 400],
  ['POST /risk_scores with a unicode id', 'POST', '/risk_scores', json([{ customer_id: '顧客🙂\u0000', risk_score: 0.5 }]), 400],
  ['POST /risk_scores with missing fields', 'POST', '/risk_scores', json([{}]), 400],
  ['POST /risk_scores with a bad date', 'POST', '/risk_scores', json([{ customer_id: 'OK', risk_score: 0.5, score_date: '2026-02-30T99:00' }]), 400],
  ['POST /risk_scores with broken JSON', 'POST', '/risk_scores', { body: '[{"customer_id":', headers: { 'content-type': 'application/json' } }, 400],
  ['POST /risk_scores over the size limit', 'POST', '/risk_scores', { body: `["${huge}"]`, headers: { 'content-type': 'application/json' } }, 413],
  ['GET /interventions/abc', 'GET', '/interventions/abc', {}, 400],
  ['GET /interventions with a 20-digit id', 'GET', '/interventions/99999999999999999999', {}, 400],
  ['POST /trigger_intervention with a 200-character id', 'POST', `/trigger_intervention/${'a'.repeat(200)}`, {}, 400],
  ['POST /trigger_intervention with a control character', 'POST', '/trigger_intervention/a%01b', {}, 400],
  ['POST /trigger_intervention with path traversal', 'POST', '/trigger_intervention/..%2F..%2Fetc%2Fpasswd', {}, 404],
  ['GET /intervention_metrics?days=NaN', 'GET', '/intervention_metrics?days=NaN', {}, 400],
  ['GET /intervention_metrics?days=1e9', 'GET', '/intervention_metrics?days=999999999', {}, 400],
  ['GET /intervention_metrics/snapshots?limit=-1', 'GET', '/intervention_metrics/snapshots?limit=-1', {}, 400],
  ['GET /agent_tasks?status=drop', 'GET', '/agent_tasks?status=drop', {}, 400],
  ['POST /agent_tasks/1/claim with an empty agent', 'POST', '/agent_tasks/1/claim', json({ agent: '' }), 400],
  ['POST /agent_tasks/1/complete for a task that does not exist', 'POST', '/agent_tasks/1/complete', json({ response_type: 'engaged' }), 404],
  ['POST /interventions/1/response with an array', 'POST', '/interventions/1/response', json(['accepted_offer']), 400],
  ['GET /customers/x/notifications?limit=0', 'GET', '/customers/x/notifications?limit=0', {}, 400],
  ['GET /customers/x/notifications?unread=maybe', 'GET', '/customers/x/notifications?unread=maybe', {}, 400],
  ['POST /webhooks/sendgrid unsigned', 'POST', '/webhooks/sendgrid', { ...json([]), token: null }, 401],
  ['POST /webhooks/sendgrid signed but not JSON', 'POST', '/webhooks/sendgrid', { body: 'not json', headers: { 'content-type': 'application/json', ...signEventWebhook('not json', keys.privateKeyPem) }, token: null }, 400],
  ['POST /webhooks/twilio/status unsigned', 'POST', '/webhooks/twilio/status', { body: 'MessageSid=SM1&MessageStatus=sent', headers: { 'content-type': 'application/x-www-form-urlencoded' }, token: null }, 401],
  ['POST /webhooks/twilio/inbound as JSON', 'POST', '/webhooks/twilio/inbound', { ...json({ Body: 'STOP' }), token: null }, 415],
  ['POST /unsubscribe with a forged token', 'POST', '/unsubscribe/u1.Zm9v.AAAAAAAAAAAAAAAAAAAAAA', { token: null }, 404],
  ['an admin route with Basic credentials', 'GET', '/agent_tasks', { headers: { authorization: `Basic ${Buffer.from('admin:whatever').toString('base64')}` }, token: null }, 401],
] as const)('%s', (_name, method, url, init, status) => {
  it(`answers ${status} with a one-line JSON or HTML error, writes nothing`, async () => {
    const before = await written();
    const res = await engine.api(url, { method, ...(init as RequestInit & { token?: string | null }) });
    expect(res.status).toBe(status);
    const text = await res.text();
    expect(text).not.toMatch(STACK);
    if (res.headers.get('content-type')?.includes('json')) {
      const body = JSON.parse(text) as { error?: string };
      expect(typeof body.error).toBe('string');
      expect(body.error!.length).toBeGreaterThan(3);
    }
    expect(await written()).toBe(before);
  });
});

describe('bad input on the command line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ie-bad-'));
  const file = (name: string, content: string) => {
    const target = path.join(dir, name);
    writeFileSync(target, content);
    return target;
  };

  it.each([
    ['a path-traversal argument', () => ['../../../../etc/passwd'], /^error: \.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd: unknown file type/],
    ['a file of NaN and huge numbers', () => [file('nan.csv', 'customer_id,risk_score\nOK,NaN\nOK,1e999\nOK,-0.1\n')], /^error: .*nan\.csv: no row could be ingested$/],
    ['binary garbage', () => [file('junk.jsonl', '\u0000\u0001\u0002{{{\n\uffff\n')], /^error: .*junk\.jsonl: no row could be ingested$/],
    ['an unknown option', () => ['--frobnicate', 'x.csv'], /^error: Unknown option '--frobnicate'/],
  ])('enqueue refuses %s in one line', async (_what, args, message) => {
    const before = await written();
    const result = await runCommand('src/cli/enqueue.ts', args(), testEnv(engine.db, engine.config.queuePrefix));
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr).not.toMatch(STACK);
    expect(await written()).toBe(before);
  });
});

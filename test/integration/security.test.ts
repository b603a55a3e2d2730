// The web surface under review: every route that is not health, metrics, a webhook or the
// signed unsubscribe link refuses a request without the admin token; security headers are on;
// and no token, key or secret the engine was given ever reaches its logs.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, TEST_ADMIN_TOKEN, type TestEngine } from '../support/engine.js';
import { routesOf } from '../support/routes.js';
import { eventWebhookKeys, signEventWebhook } from '../fakes/fake-sendgrid.js';
import { twilioSignature } from '../fakes/fake-twilio.js';

const SECRETS = {
  SENDGRID_API_KEY: 'SG.secret-sendgrid-key-do-not-log-1234567890',
  TWILIO_AUTH_TOKEN: 'secret-twilio-token-do-not-log-0987',
  SIGNING_SECRET: 'secret-signing-key-do-not-log-abcdef',
};
const OPEN = [/^\/healthz$/, /^\/readyz$/, /^\/metrics$/, /^\/webhooks\//, /^\/unsubscribe\//, /^\/help$/, /^\/favicon\.ico$/];
const VIEWER_TOKEN = 'test-viewer-token-0123456789abcdef';
const READS = new Set(['GET', 'HEAD']);
const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
const keys = eventWebhookKeys();
const logged: string[] = [];
let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine({
    web: true,
    logTo: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    }),
    env: {
      LOG_LEVEL: 'debug',
      VIEWER_TOKEN,
      ...SECRETS,
      SENDGRID_FROM_EMAIL: 'care@lender.example',
      SENDGRID_API_URL: 'http://127.0.0.1:9',
      SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey,
      TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
      TWILIO_FROM_NUMBER: '+15005550006',
      TWILIO_API_URL: 'http://127.0.0.1:9',
      PUBLIC_BASE_URL: 'https://engine.lender.example',
    },
  });
});

afterAll(async () => {
  await engine?.close();
});

describe('roles on every route', () => {
  const allRoutes = () => [
    ...routesOf(engine.web!.app).filter((r) => !OPEN.some((pattern) => pattern.test(r.path))),
    { method: 'GET', path: '/admin/queues' },
    { method: 'GET', path: '/admin/queues/api/queues' },
    // Bull Board's job actions, which it routes itself.
    { method: 'PUT', path: '/admin/queues/api/queues/deliver-email/retry/failed' },
    { method: 'PUT', path: '/admin/queues/api/queues/deliver-email/clean/completed' },
  ];
  const concrete = (path: string) => path.replace(/:[a-z_]+/g, '1').replace(/\*\w+/, 'x');

  it('finds the routes by walking the app', () => {
    const routes = allRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(16);
    expect(routes.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/trigger_intervention/:customer_id', '/risk_scores', '/agent_tasks', '/intervention_metrics', '/dashboard', '/customers/:id/preferences', '/customers/:id/timeline', '/customers/:id/personal-data', '/audit', '/dashboard/customer']),
    );
    expect(routes.filter((r) => !READS.has(r.method)).length).toBeGreaterThanOrEqual(8);
  });

  it('refuses every route without credentials (401), and every route that changes something to the viewer (403)', async () => {
    for (const route of allRoutes()) {
      const path = concrete(route.path);
      const body = READS.has(route.method) ? undefined : {};
      const anonymous = await engine.api(path, { method: route.method, token: null, json: body });
      expect(anonymous.status, `${route.method} ${path} without credentials`).toBe(401);
      if (READS.has(route.method)) continue;
      for (const viewer of [{ token: VIEWER_TOKEN }, { token: null, headers: { authorization: basic('viewer', VIEWER_TOKEN) } }]) {
        const res = await engine.api(path, { method: route.method, json: body, ...viewer });
        expect(res.status, `${route.method} ${path} as the viewer`).toBe(403);
      }
    }
  });

  it('lets the viewer read every route that reads, by Bearer or Basic', async () => {
    for (const route of allRoutes().filter((r) => READS.has(r.method))) {
      const path = concrete(route.path);
      for (const viewer of [{ token: VIEWER_TOKEN }, { token: null, headers: { authorization: basic('viewer', VIEWER_TOKEN) } }]) {
        const res = await engine.api(path, viewer);
        expect([401, 403], `${route.method} ${path} as the viewer`).not.toContain(res.status);
      }
    }
  });

  it('gives the viewer a read-only Bull Board', async () => {
    const res = await engine.api('/admin/queues/api/queues', { token: VIEWER_TOKEN });
    const body = (await res.json()) as { queues: { readOnlyMode: boolean }[] };
    expect(body.queues.length).toBeGreaterThan(0);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
    const admin = (await (await engine.api('/admin/queues/api/queues')).json()) as { queues: { readOnlyMode: boolean }[] };
    expect(admin.queues.every((q) => !q.readOnlyMode)).toBe(true);
  });

  it('takes Basic credentials on the JSON API, the role as user name', async () => {
    expect((await engine.api('/agent_tasks', { token: null, headers: { authorization: basic('admin', TEST_ADMIN_TOKEN) } })).status).toBe(200);
    expect((await engine.api('/agent_tasks', { token: null, headers: { authorization: basic('viewer', VIEWER_TOKEN) } })).status).toBe(200);
    // The admin's token under the viewer's name, or the other way round, is refused.
    expect((await engine.api('/agent_tasks', { token: null, headers: { authorization: basic('viewer', TEST_ADMIN_TOKEN) } })).status).toBe(401);
    expect((await engine.api('/agent_tasks', { token: null, headers: { authorization: basic('admin', VIEWER_TOKEN) } })).status).toBe(401);
  });

  it('asks a browser for credentials on the dashboard and Bull Board, not on the JSON API', async () => {
    expect((await engine.api('/dashboard', { token: null })).headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await engine.api('/agent_tasks', { token: null })).headers.get('www-authenticate')).toBeNull();
  });

  it('compares tokens exactly: a prefix, a longer token or another case is refused', async () => {
    for (const token of [TEST_ADMIN_TOKEN.slice(0, -1), `${TEST_ADMIN_TOKEN}x`, TEST_ADMIN_TOKEN.toUpperCase(), '', `${TEST_ADMIN_TOKEN} anything`]) {
      expect((await engine.api('/agent_tasks', { token })).status).toBe(401);
    }
    expect((await engine.api('/agent_tasks')).status).toBe(200);
  });

  it('sends security headers and no X-Powered-By', async () => {
    const res = await engine.api('/healthz', { token: null });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('secrets stay out of the logs', () => {
  it('logs none of the tokens and keys it was given, across authentication failures, webhooks and sends', async () => {
    await engine.api('/agent_tasks', { token: 'wrong-token-wrong-token' });
    await engine.api('/agent_tasks');
    const payload = JSON.stringify([{ event: 'delivered', sg_event_id: 'x1', delivery_id: '999' }]);
    await engine.api('/webhooks/sendgrid', { method: 'POST', token: null, body: payload, headers: { 'content-type': 'application/json', ...signEventWebhook(payload, keys.privateKeyPem) } });
    const params = { MessageSid: 'SM1', MessageStatus: 'delivered' };
    await engine.api('/webhooks/twilio/status?delivery_id=999', {
      method: 'POST',
      token: null,
      body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(SECRETS.TWILIO_AUTH_TOKEN, 'https://engine.lender.example/webhooks/twilio/status?delivery_id=999', params) },
    });
    expect(logged.length).toBeGreaterThan(0);
    const all = logged.join('');
    for (const secret of [...Object.values(SECRETS), TEST_ADMIN_TOKEN]) expect(all).not.toContain(secret);
  });
});

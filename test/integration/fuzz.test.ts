// Property-based fuzzing (fast-check) of what the outside world can send: every route of the
// HTTP API with arbitrary path segments, query strings and bodies, SendGrid's webhook with
// arbitrary signed events, and scoring batches (HTTP and JSONL) mixing good rows with arbitrary
// ones. Invariants: never a 5xx; every good row stored; every bad row rejected with its line;
// no opt-out lost; the process still answering. FUZZ_RUNS sets the runs per property (default
// small, so that npm test stays quick); the numbers seen are printed for a longer run's report.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { upsertCustomers } from '../../src/db/portfolio.js';
import { addressHash } from '../../src/domain/address-hash.js';
import { replaceInvalidCodePoints } from '../../src/domain/outside-text.js';
import { ingestScores } from '../../src/ingest/ingest-scores.js';
import { readJsonlRows } from '../../src/ingest/read-batch-file.js';
import { count, startTestEngine, type TestEngine } from '../support/engine.js';
import { routesOf } from '../support/routes.js';
import { eventWebhookKeys, signEventWebhook } from '../fakes/fake-sendgrid.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 15);
const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
const keys = eventWebhookKeys();
const CUSTOMERS = ['F1', 'F2', 'F3', 'F4'];
let engine: TestEngine;
const seen = { cases: 0, serverErrors: 0, rowsLost: 0, optOutsLost: 0 };

beforeAll(async () => {
  engine = await startTestEngine({ clock, web: true, workers: false, env: { SENDGRID_WEBHOOK_PUBLIC_KEY: keys.publicKey } });
  await upsertCustomers(
    engine.db.pool,
    CUSTOMERS.map((id, i) => ({ customerId: id, fullName: `Fuzz ${id}`, email: `${id.toLowerCase()}@example.com`, phone: `+3461100020${i}`, timezone: 'UTC', locale: 'en', smsConsent: true })),
  );
});

afterAll(async () => {
  console.log(`fuzz: ${seen.cases} cases, ${seen.serverErrors} answers 5xx, ${seen.rowsLost} good rows lost, ${seen.optOutsLost} opt-outs lost`);
  await engine?.close();
});

// Text as an attacker writes it: any code unit (NUL, lone surrogates), full-width forms, long runs.
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udc00', '\uffff', '％', 'Ｓ', '%', '/', '\\', '"', '\n', 'é', '🙂'), maxLength: 12 }),
  fc.constantFrom('%', '%E0%A4%A', '%ff', '..%2F..', '0x1', '1e3', 'NaN', '-0', '2026-02-30', '9999-12-31', 'Infinity', '__proto__', 'constructor', ''),
);
/** JSON nested up to `depth`, or the text of a value nested far deeper than any limit. */
const deepJson = fc.integer({ min: 20, max: 6_000 }).map((depth) => ({ deep: depth }));
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  hostileText,
  fc.dictionary(hostileText, fc.oneof(hostileText, fc.double(), fc.boolean(), fc.constant(null)), { maxKeys: 5 }),
  deepJson,
);
/** JSON text of a value, with `{deep: n}` markers written out as n levels of arrays (JSON.stringify would overflow). */
const jsonText = (value: unknown) => JSON.stringify(value).replace(/\{"deep":(\d+)\}/g, (_m, n: string) => `${'['.repeat(Number(n))}${']'.repeat(Number(n))}`);

async function send(path: string, init: RequestInit & { token?: string | null }) {
  seen.cases += 1;
  const res = await engine.api(path, init);
  await res.arrayBuffer();
  if (res.status >= 500) seen.serverErrors += 1;
  return res;
}

describe('fuzzing the HTTP API', () => {
  it('never answers 5xx, whatever the path segment, query string and body of any route', async () => {
    const routes = routesOf(engine.web!.app).filter((r) => !/personal-data|^\/admin/.test(r.path));
    expect(routes.length).toBeGreaterThan(15);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), hostileText, hostileText, hostileJson, fc.boolean(), async (route, segment, query, body, encode) => {
        const raw = encode ? encodeURIComponent(replaceInvalidCodePoints(segment)) : segment.replace(/[?#\s]/g, '');
        const path = `${route.path.replace(/:[a-z_]+/g, raw || 'x').replace(/\*\w+/, raw || 'x')}?q=${encodeURIComponent(replaceInvalidCodePoints(query))}&days=${encodeURIComponent(replaceInvalidCodePoints(query))}`;
        const withBody = !['GET', 'HEAD'].includes(route.method);
        const res = await send(path, { method: route.method, ...(withBody ? { body: jsonText(body), headers: { 'content-type': 'application/json' } } : {}) });
        expect(res.status, `${route.method} ${path}`).toBeLessThan(500);
      }),
      { numRuns: RUNS * 4 },
    );
  });
});

/** A score date unique to each good row, so that every good row is a new score. */
let nextDay = 0;
const goodRow = fc.constantFrom(...CUSTOMERS).map((customer) => {
  nextDay += 1;
  const date = new Date(Date.UTC(2020, 0, 1) + nextDay * 3_600_000).toISOString();
  return { good: true as const, row: { customer_id: customer, risk_score: 0.5, score_date: date, risk_level: 'high', explanation: { top_drivers: ['x'] } } };
});
const badRow = fc
  .record({ customer_id: fc.oneof(fc.constantFrom(...CUSTOMERS), hostileText), risk_score: fc.oneof(hostileText, fc.double()), score_date: hostileText, risk_level: hostileText, explanation: hostileJson }, { requiredKeys: [] })
  .map((row) => ({ good: false as const, row }));

async function stored(rows: { row: { customer_id: unknown; score_date: unknown } }[]): Promise<number> {
  return count(engine, 'select 1 from risk_scores s join unnest($1::text[], $2::timestamptz[]) as u(c, d) on s.customer_id = u.c and s.score_date = u.d', [
    rows.map((r) => r.row.customer_id),
    rows.map((r) => r.row.score_date),
  ]);
}

describe('fuzzing scoring batches', () => {
  it('POST /risk_scores stores every good row and names every other row that is not stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(goodRow, badRow), { minLength: 1, maxLength: 12 }), async (rows) => {
        const res = await send('/risk_scores', { method: 'POST', body: jsonText(rows.map((r) => r.row)), headers: { 'content-type': 'application/json' } });
        expect(res.status).toBeLessThan(500);
        const good = rows.filter((r) => r.good);
        const found = await stored(good);
        seen.rowsLost += good.length - found;
        expect(found).toBe(good.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('a JSONL batch stores every good row and rejects each bad line with its line number', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(goodRow, badRow, hostileText.map((text) => ({ good: false as const, row: text }))), { minLength: 1, maxLength: 12 }), async (rows) => {
        seen.cases += 1;
        const lines = rows.map((r) => (typeof r.row === 'string' ? r.row.replace(/[\r\n\u2028\u2029]/g, ' ') || '{' : jsonText(r.row)));
        const rejected: number[] = [];
        const result = await ingestScores({ pool: engine.db.pool, queues: engine.runtime.queues, clock }, readJsonlRows(Readable.from([lines.join('\n')])), {
          source: 'fuzz',
          onReject: (r) => rejected.push(r.line),
        });
        const good = rows.filter((r) => r.good) as { good: true; row: { customer_id: string; score_date: string } }[];
        const found = await stored(good);
        seen.rowsLost += good.length - found;
        expect(found).toBe(good.length);
        const goodLines = rows.flatMap((r, i) => (r.good ? [i + 1] : []));
        expect(rejected.filter((line) => goodLines.includes(line))).toEqual([]);
        expect(result.accepted + result.rejected).toBeLessThanOrEqual(rows.length);
        for (const line of rejected) expect(line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzzing the SendGrid webhook', () => {
  let nextAddress = 0;
  it('answers 2xx to any signed batch and never loses the spam report in it', async () => {
    const event = fc.oneof(
      hostileJson,
      fc.record({ event: fc.oneof(hostileText, fc.constantFrom('bounce', 'open', 'delivered', 'unsubscribe')), sg_event_id: fc.oneof(hostileText, fc.integer()), email: hostileText, reason: hostileText, delivery_id: fc.oneof(hostileText, fc.integer()), type: hostileText }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 8 }), fc.array(event, { maxLength: 8 }), async (before, after) => {
        nextAddress += 1;
        const email = `complainer${nextAddress}@example.com`;
        const payload = jsonText([...before, { event: 'spamreport', email, sg_event_id: `fuzz-spam-${nextAddress}`, timestamp: 1 }, ...after]);
        const headers = signEventWebhook(payload, keys.privateKeyPem, String(Math.floor(clock.now().getTime() / 1000)));
        const res = await send('/webhooks/sendgrid', { method: 'POST', token: null, body: payload, headers: { ...headers, 'content-type': 'application/json' } });
        expect(res.status).toBe(202);
        const kept = await count(engine, "select 1 from suppressions where address_hash = $1 and channel = 'email'", [addressHash(engine.runtime.addressKey, 'email', email)]);
        if (kept !== 1) seen.optOutsLost += 1;
        expect(kept).toBe(1);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('is still answering after all of it', async () => {
    expect((await engine.api('/healthz', { token: null })).status).toBe(200);
  });
});

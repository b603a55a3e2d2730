// npm run demo -- --exit, as a newcomer runs it, on a fresh database: every stage of the
// pipeline shows up in its summary, and it ends by itself.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { deleteQueueKeys } from '../support/engine.js';
import { REDIS_URL } from '../support/env.js';

let db: TestDatabase;
const prefix = `t${randomBytes(5).toString('hex')}`;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await deleteQueueKeys(prefix);
  await db?.drop();
});

describe('npm run demo -- --exit', () => {
  it('runs one batch through every stage and prints the summary', async () => {
    const env = { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'warn' };
    const result = await runCommand('src/cli/demo.ts', ['--exit', '--customers', '600'], env, { timeoutMs: 170_000 });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/email via outbox \(no SENDGRID_API_KEY/);
    expect(out).toMatch(/scoring batch .*: accepted 600 \(0 already ingested earlier\), rejected 0/);
    expect(out).toMatch(/=== Scoring batch: 600 scores decided and delivered in [\d.]+ s ===/);
    for (const section of ['Decisions by outcome and reason:', 'Interventions by type:', 'Deliveries by channel and status:', 'Suppressions', 'Customer responses', 'Effectiveness, last 90 days']) {
      expect(out).toContain(section);
    }
    expect(out).toMatch(/^ {2}intervention +- +\d+$/m);
    expect(out).toMatch(/^ {2}email +(delivered|opened|clicked) +\d+$/m);
    expect(out).toMatch(/^ {2}sms +stop +1$/m);
    expect(out).toMatch(/uplift [+-][\d.]+ pts, 95% CI [+-][\d.]+ pts to [+-][\d.]+ pts; metrics snapshot stored/);
    // Champion and challenger: the challenger put through the API, both arms' figures side by side.
    expect(out).toMatch(/^strategies: champion default and challenger sms_first \(flexible_payment from 0\.55, SMS first\), weight 100 each: PUT \/strategies\/sms_first answered 201$/m);
    expect(out).toContain('Strategies, champion and challenger (outcomes of the last 90 days; intervals clustered by customer):');
    const pct = String.raw`-?[\d.]+%`;
    const pts = String.raw`[+-][\d.]+ pts`;
    const champion = new RegExp(String.raw`^ {2}default +champion +(\d+) +\d+ \(\d+\) +${pct} \[${pct}, ${pct}\] +${pts} \[${pts}, ${pts}\] +-$`, 'm').exec(out);
    const challenger = new RegExp(String.raw`^ {2}sms_first +challenger +(\d+) +\d+ \(\d+\) +${pct} \[${pct}, ${pct}\] +${pts} \[${pts}, ${pts}\] +${pts} \[${pts}, ${pts}\]$`, 'm').exec(out);
    expect(champion, 'the champion\'s row').not.toBeNull();
    expect(challenger, 'the challenger\'s row').not.toBeNull();
    // Every one of today's 600 decisions was made by one of the two, each with about half.
    const decided = [Number(champion![1]), Number(challenger![1])];
    expect(decided[0]! + decided[1]!).toBe(600);
    expect(Math.min(...decided)).toBeGreaterThan(200);
    expect(out).toMatch(/Dashboard: +http:\/\/localhost:\d+\/dashboard +\(user admin, password \S{20,}\)/);
    expect(out).toMatch(/Bull Board: +http:\/\/localhost:\d+\/admin\/queues/);
  }, 180_000);

  it('without Redis or PostgreSQL says which, and runs on an embedded PostgreSQL with the queues in it', async () => {
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/interventions', REDIS_URL: 'redis://127.0.0.1:1', QUEUE_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'warn' };
    const result = await runCommand('src/cli/demo.ts', ['--exit', '--customers', '300'], env, { timeoutMs: 170_000 });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const [first, second] = result.stdout.split('\n');
    expect(first).toMatch(/^PostgreSQL is not reachable at 127\.0\.0\.1:1 \(.*\): this demo runs on an embedded PostgreSQL in (\S+), deleted when it stops; for your own, start it with: docker compose up -d redis postgres$/);
    expect(second).toMatch(/^Redis is not reachable at 127\.0\.0\.1:1 \(.*\): this demo's queues run in PostgreSQL \(QUEUE_BACKEND=postgres\); for Redis, start it with: docker compose up -d redis postgres$/);
    expect(result.stdout).toMatch(/=== Scoring batch: 300 scores decided and delivered in [\d.]+ s ===/);
    expect(result.stdout).toMatch(/^ {2}email +(delivered|opened|clicked) +\d+$/m);
    expect(result.stdout).toMatch(/^ {2}sms +stop +1$/m);
    expect(result.stdout).toMatch(/metrics snapshot stored/);
    expect(result.stdout).toMatch(/^ {2}sms_first +challenger +\d+ /m);
    const dataDir = /embedded PostgreSQL in (\S+),/.exec(first ?? '')?.[1];
    expect(dataDir && existsSync(path.dirname(dataDir))).toBe(false);
  }, 180_000);
});

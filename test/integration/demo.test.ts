// npm run demo -- --exit, as a newcomer runs it, on a fresh database: every stage of the
// pipeline shows up in its summary, and it ends by itself.
import { randomBytes } from 'node:crypto';
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
    expect(out).toMatch(/Dashboard: +http:\/\/localhost:\d+\/dashboard +\(user admin, password \S{20,}\)/);
    expect(out).toMatch(/Bull Board: +http:\/\/localhost:\d+\/admin\/queues/);
  }, 180_000);

  it.each([
    ['Redis', { REDIS_URL: 'redis://127.0.0.1:1' }, /^error: Redis is not reachable at 127\.0\.0\.1:1 \(.*\); start it with: docker compose up -d redis postgres$/],
    ['PostgreSQL', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/interventions' }, /^error: PostgreSQL is not reachable at 127\.0\.0\.1:1 \(.*\); start it with: docker compose up -d redis postgres$/],
  ])('says in one line that %s is not reachable and how to start it', async (_name, override, message) => {
    const result = await runCommand('src/cli/demo.ts', ['--exit'], { DATABASE_URL: db.url, REDIS_URL, QUEUE_PREFIX: prefix, PORT: '0', ...override });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

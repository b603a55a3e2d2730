// npm run enqueue as a user runs it: good rows in, bad rows reported with line and reason,
// one-line errors and the right exit code, never a stack trace.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertCustomers } from '../../src/db/portfolio.js';
import { runCommand } from '../support/cli.js';
import { count, startTestEngine, testEnv, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  engine = await startTestEngine({ workers: false });
  env = testEnv(engine.db, engine.config.queuePrefix);
  dir = mkdtempSync(path.join(tmpdir(), 'ie-enqueue-'));
  mkdirSync('/tmp/ie-enqueue-dir.csv', { recursive: true });
  await upsertCustomers(
    engine.db.pool,
    ['A1', 'A2', 'A3', 'A4'].map((id) => ({ customerId: id, fullName: `Customer ${id}`, email: null, phone: null, timezone: 'UTC', locale: 'en', smsConsent: false })),
  );
});

afterAll(async () => {
  await engine?.close();
});

function file(name: string, content: string): string {
  const target = path.join(dir, name);
  writeFileSync(target, content);
  return target;
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

describe('npm run enqueue', () => {
  it('ingests the good rows of a CSV and writes each bad row to FILE.rejects.jsonl with its line and reason', async () => {
    const csv = file(
      'mixed.csv',
      [
        'customer_id,risk_score,score_date,explanation',
        'A1,0.81,2026-11-20,',
        'NOPE,0.5,2026-11-20,', // line 3: unknown customer
        'A2,1.7,2026-11-20,', // line 4: out of range
        'A2,abc,2026-11-20,', // line 5: not a number
        'A3,0.4,2026-13-45,', // line 6: bad date
        'A3,0.4,2026-11-20,"{not json"', // line 7: malformed explanation
        'A1,0.81,2026-11-20,', // line 8: duplicate of line 2
        ',0.3,2026-11-20,', // line 9: missing customer id
        'A4,0.35,2026-11-20,"{""top_drivers"":[""utilisation""]}"',
      ].join('\n'),
    );
    const result = await runCommand('src/cli/enqueue.ts', [csv], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/accepted 2\b.*rejected 7/);
    const rejects = readFileSync(`${csv}.rejects.jsonl`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { line: number; error: string });
    expect(rejects.map((r) => [r.line, r.error.split(':')[0]])).toEqual([
      [3, 'customer_id'],
      [4, 'risk_score'],
      [5, 'risk_score'],
      [6, 'score_date'],
      [7, 'explanation'],
      [8, 'duplicate row'],
      [9, 'customer_id'],
    ]);
    expect(await count(engine, 'select 1 from risk_scores')).toBe(2);
    const jobs = await engine.runtime.queues.evaluate.getJobs(['waiting']);
    expect(jobs.flatMap((job) => job.data.scores.map((s) => s.customerId)).sort()).toEqual(['A1', 'A4']);
  });

  it('reads JSONL from stdin and reports a line that is not JSON', async () => {
    const input = ['{"customer_id":"A2","risk_score":0.66,"score_date":"2026-11-21T06:00:00Z"}', '{oops', ''].join('\n');
    const result = await runCommand('src/cli/enqueue.ts', ['-', '--format', 'jsonl'], env, { input });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/accepted 1\b.*rejected 1/);
  });

  it('leaves a re-sent batch unchanged and says so', async () => {
    const csv = file('again.csv', 'customer_id,risk_score,score_date\nA3,0.5,2026-11-22\n');
    expect((await runCommand('src/cli/enqueue.ts', [csv], env)).stdout).toMatch(/accepted 1, rejected 0/);
    const again = await runCommand('src/cli/enqueue.ts', [csv], env);
    expect(again.stdout).toMatch(/accepted 1 \(1 already ingested by an earlier batch\), rejected 0/);
    expect(existsSync(`${csv}.rejects.jsonl`)).toBe(false);
    expect(await count(engine, "select 1 from risk_scores where customer_id = 'A3'")).toBe(1);
  });

  it('fails with one line when nothing could be ingested', async () => {
    const csv = file('bad.csv', 'customer_id,risk_score\nZZ,0.5\n');
    const result = await runCommand('src/cli/enqueue.ts', [csv], env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^error: .*bad\.csv: no row could be ingested$/);
    noStack(result.stderr);
  });

  it.each([
    ['a missing file', ['/nonexistent/scores.csv'], /^error: \/nonexistent\/scores\.csv: cannot read \(ENOENT\)$/],
    ['a directory', ['/tmp/ie-enqueue-dir.csv'], /^error: \/tmp\/ie-enqueue-dir\.csv: not a file$/],
    ['an unknown extension', ['scores.xlsx'], /unknown file type; name it \.csv or \.jsonl/],
    ['no file at all', [], /^error: usage: npm run enqueue -- FILE/],
    ['stdin without a format', ['-'], /^error: reading stdin needs --format csv or --format jsonl$/],
  ])('rejects %s with a one-line error and exit code 2', async (_what, args, message) => {
    const result = await runCommand('src/cli/enqueue.ts', args, env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(message);
    noStack(result.stderr);
  });

  it('rejects a CSV without the required columns in one line', async () => {
    const csv = file('cols.csv', 'id,score\n1,0.5\n');
    const result = await runCommand('src/cli/enqueue.ts', [csv], env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/line 1: missing column customer_id, risk_score \(found: id, score\)$/);
  });

  it('rejects a CSV whose header names a column twice in one line, instead of letting the last one win', async () => {
    const csv = file('twice.csv', 'customer_id,risk_score,Risk_Score\nA1,0.5,0.9\n');
    const result = await runCommand('src/cli/enqueue.ts', [csv], env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^error: .*twice\.csv: line 1: column risk_score appears more than once$/);
    noStack(result.stderr);
  });

  it('keeps every good row of a chunk that holds a NUL, a deeply nested explanation, a roll-over date and a hex score; each bad row is a reject with its line', async () => {
    const deep = `{"top_drivers":[],"x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const jsonl = file(
      'hostile.jsonl',
      [
        JSON.stringify({ customer_id: 'A1', risk_score: 0.31, score_date: '2026-10-01' }),
        JSON.stringify({ customer_id: 'A2', risk_score: 0.32, score_date: '2026-10-01', risk_level: 'hi\u0000gh' }), // line 2
        `{"customer_id":"A3","risk_score":0.33,"score_date":"2026-10-01","explanation":${deep}}`, // line 3
        JSON.stringify({ customer_id: 'A4', risk_score: 0.34, score_date: '2026-02-30' }), // line 4
        JSON.stringify({ customer_id: 'A4', risk_score: '0x1', score_date: '2026-10-02' }), // line 5
        JSON.stringify({ customer_id: 'A2', risk_score: 0.35, score_date: '2026-10-03', risk_level: 'high' }),
        JSON.stringify({ customer_id: 'A3', risk_score: 0.36, score_date: '2026-10-03', explanation: { top_drivers: ['x\ud800'] } }), // line 7
        JSON.stringify({ customer_id: 'A4', risk_score: 0.37, score_date: '9999-12-31' }), // line 8
        JSON.stringify({ customer_id: 'A4', risk_score: '7.2e-1', score_date: '2026-10-04' }),
      ].join('\n'),
    );
    const result = await runCommand('src/cli/enqueue.ts', [jsonl], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/accepted 3\b.*rejected 6/);
    const rejects = readFileSync(`${jsonl}.rejects.jsonl`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { line: number; error: string });
    expect(rejects.map((r) => [r.line, r.error.split(':')[0]])).toEqual([
      [2, 'risk_level'],
      [3, 'explanation'],
      [4, 'score_date'],
      [5, 'risk_score'],
      [7, 'explanation'],
      [8, 'score_date'],
    ]);
    const { rows } = await engine.db.pool.query<{ customer_id: string; risk_score: number }>(
      "select customer_id, risk_score::float8 as risk_score from risk_scores where score_date >= '2026-10-01' and score_date < '2026-10-05' order by risk_score",
    );
    expect(rows).toEqual([
      { customer_id: 'A1', risk_score: 0.31 },
      { customer_id: 'A2', risk_score: 0.35 },
      { customer_id: 'A4', risk_score: 0.72 },
    ]);
  });

  it('names the variable when the configuration is bad', async () => {
    const csv = file('ok.csv', 'customer_id,risk_score\nA1,0.5\n');
    const result = await runCommand('src/cli/enqueue.ts', [csv], { ...env, REDIS_URL: 'http://nope' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("error: REDIS_URL: must be a redis or rediss URL (got 'http://nope')");
  });

  it.each([
    ['Redis', { REDIS_URL: 'redis://127.0.0.1:1' }, /^error: Redis is not reachable at 127\.0\.0\.1:1 \(.*\); start it with: docker compose up -d redis postgres$/],
    ['PostgreSQL', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/interventions' }, /^error: PostgreSQL is not reachable at 127\.0\.0\.1:1 \(.*\); start it with: docker compose up -d redis postgres$/],
  ])('says in one line that %s is not reachable and how to start it', async (_name, override, message) => {
    const csv = file('unreachable.csv', 'customer_id,risk_score\nA1,0.5\n');
    const result = await runCommand('src/cli/enqueue.ts', [csv], { ...env, ...override });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

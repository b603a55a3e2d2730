// A scoring batch through the real queue and workers: one decision per score, and a re-sent
// batch changes nothing.
import { mkdtempSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { insertPayments, insertScoreHistory, upsertCustomers } from '../../src/db/portfolio.js';
import { evaluateScores } from '../../src/evaluation/evaluate-scores.js';
import { ingestScores } from '../../src/ingest/ingest-scores.js';
import { readBatchRows } from '../../src/ingest/read-batch-file.js';
import { generatePortfolio, type Portfolio } from '../../src/synthetic/portfolio.js';
import { count, startTestEngine, waitFor, type TestEngine } from '../support/engine.js';

const CUSTOMERS = 1_200;
const asOf = new Date(Date.UTC(2026, 10, 25));
let engine: TestEngine;
let portfolio: Portfolio;
let batchFile: string;

beforeAll(async () => {
  engine = await startTestEngine();
  portfolio = generatePortfolio({ customers: CUSTOMERS, seed: 7, asOf });
  await upsertCustomers(engine.db.pool, portfolio.customers);
  await insertPayments(engine.db.pool, portfolio.payments);
  await insertScoreHistory(engine.db.pool, portfolio.history);
  const dir = mkdtempSync(path.join(tmpdir(), 'ie-batch-'));
  batchFile = path.join(dir, 'batch.csv');
  writeFileSync(
    batchFile,
    ['customer_id,risk_score,risk_level,score_date,explanation']
      .concat(portfolio.batch.map((s) => `${s.customerId},${s.riskScore},,${s.scoreDate.toISOString()},"{""top_drivers"":[""utilisation""]}"`))
      .join('\n'),
  );
});

afterAll(async () => {
  await engine?.close();
});

async function ingestFile() {
  return ingestScores(
    { pool: engine.runtime.pool, queues: engine.runtime.queues, clock: systemClock },
    readBatchRows(createReadStream(batchFile), 'csv', batchFile),
    { source: `file:${batchFile}` },
  );
}

/** Ingests (customer, score) lines, numbered from 1, two rows a chunk; collects the rejections. */
async function ingestInChunksOfTwo(lines: [string, number][], scoreDate: string) {
  const rejections: { line: number; error: string }[] = [];
  const result = await ingestScores(
    { pool: engine.runtime.pool, queues: engine.runtime.queues, clock: systemClock },
    (async function* () {
      for (const [index, [customerId, score]] of lines.entries()) yield { line: index + 1, raw: { customer_id: customerId, risk_score: score, score_date: scoreDate } };
    })(),
    { source: 'test:chunks', chunkSize: 2, onReject: (rejection) => rejections.push(rejection) },
  );
  return { result, rejections };
}

async function tableCounts() {
  return {
    decisions: await count(engine, 'select 1 from decisions'),
    interventions: await count(engine, 'select 1 from interventions'),
    deliveries: await count(engine, 'select 1 from deliveries'),
    scores: await count(engine, 'select 1 from risk_scores'),
  };
}

describe('a scoring batch through the queue', () => {
  it('gives every score of a 1,200-row batch exactly one decision', async () => {
    const result = await ingestFile();
    expect(result).toMatchObject({ accepted: CUSTOMERS, alreadyIngested: 0, rejected: 0 });
    await waitFor('every score decided', async () => (await count(engine, 'select 1 from decisions')) === CUSTOMERS, 60_000);

    const { rows } = await engine.db.pool.query<{ n: number; distinct_scores: number }>(
      `select count(*)::int as n, count(distinct (customer_id, score_date))::int as distinct_scores from decisions where score_date = $1`,
      [asOf],
    );
    expect(rows[0]).toEqual({ n: CUSTOMERS, distinct_scores: CUSTOMERS });

    const outcomes = await engine.db.pool.query<{ outcome: string; n: number }>('select outcome, count(*)::int as n from decisions group by outcome');
    const byOutcome = Object.fromEntries(outcomes.rows.map((r) => [r.outcome, r.n]));
    // The synthetic portfolio has rising, falling and flat histories: all three outcomes occur.
    expect(byOutcome.intervention).toBeGreaterThan(100);
    expect(byOutcome.no_intervention).toBeGreaterThan(100);
    expect(byOutcome.holdout).toBeGreaterThan(0);

    // Interventions are exactly the intervention and holdout decisions; holdouts get no delivery.
    expect(await count(engine, "select 1 from interventions")).toBe((byOutcome.intervention ?? 0) + (byOutcome.holdout ?? 0));
    expect(await count(engine, 'select 1 from deliveries d join interventions i using (intervention_id) where i.holdout')).toBe(0);
    expect(await count(engine, 'select 1 from interventions i where not holdout and cardinality(channels) <> (select count(*) from deliveries d where d.intervention_id = i.intervention_id)')).toBe(0);
    // Every treated intervention carries its rendered messages, compressed with lz4 where
    // PostgreSQL compressed them (those of an email are long enough), never with pglz.
    expect(await count(engine, 'select 1 from interventions where not holdout and (messages is null or message_sent is null)')).toBe(0);
    // A holdout has nothing to send: no messages (SQL null, not a JSON null).
    expect(await count(engine, 'select 1 from interventions where holdout and (messages is not null or message_sent is not null)')).toBe(0);
    const compression = await engine.db.pool.query<{ method: string | null; n: number }>(
      'select pg_column_compression(messages) as method, count(*)::int as n from interventions where messages is not null group by 1',
    );
    const byMethod = Object.fromEntries(compression.rows.map((r) => [r.method ?? 'none', r.n]));
    expect(byMethod.lz4).toBeGreaterThan(100);
    expect(byMethod.pglz).toBeUndefined();
  });

  it('changes nothing when the same file is enqueued again', async () => {
    const before = await tableCounts();
    const again = await ingestFile();
    expect(again).toMatchObject({ accepted: CUSTOMERS, alreadyIngested: CUSTOMERS, rejected: 0 });
    // Let the workers drain whatever the second run enqueued.
    await waitFor('evaluate queue drained', async () => (await engine.runtime.queues.evaluate.getJobCountByTypes('waiting', 'active', 'delayed')) === 0);
    expect(await tableCounts()).toEqual(before);
  });

  it('decides and delivers again after the database is recreated while Redis keeps the earlier jobs', async () => {
    // As after restoring the database from a backup: the queues still hold this morning's
    // finished jobs (kept an hour), and new rows get the same identity values as before.
    await waitFor('the first run settled', async () => (await count(engine, "select 1 from deliveries where status in ('pending', 'sending')")) === 0, 60_000);
    await engine.db.pool.query(
      `truncate decisions, interventions, deliveries, delivery_events, notifications, agent_tasks, outbox_messages, intervention_responses restart identity cascade`,
    );
    await engine.db.pool.query('delete from risk_scores where score_date = $1', [asOf]);
    expect(await ingestFile()).toMatchObject({ accepted: CUSTOMERS, alreadyIngested: 0 });
    await waitFor('every score decided again', async () => (await count(engine, 'select 1 from decisions where score_date = $1', [asOf])) === CUSTOMERS, 60_000);
    await waitFor('every delivery settled again', async () => (await count(engine, "select 1 from deliveries where status in ('pending', 'sending')")) === 0, 60_000);
    expect(await count(engine, 'select 1 from deliveries')).toBeGreaterThan(0);
  }, 150_000);

  it('accepts every row when the same scores are ingested twice at the same moment', async () => {
    const scoreDate = new Date(asOf.getTime() + 2 * 3_600_000);
    const rows = portfolio.customers.slice(0, 500).map((c, i) => ({ line: i, raw: { customer_id: c.customerId, risk_score: 0.5, score_date: scoreDate.toISOString() } }));
    const ingest = () =>
      ingestScores({ pool: engine.runtime.pool, queues: engine.runtime.queues, clock: systemClock }, (async function* () {
        yield* rows;
      })(), { source: 'test:concurrent' });
    const [a, b] = await Promise.all([ingest(), ingest()]);
    expect([a.rejected, b.rejected]).toEqual([0, 0]);
    expect(a.accepted + b.accepted).toBe(1_000);
    expect(a.alreadyIngested + b.alreadyIngested).toBe(500);
    expect(await count(engine, 'select 1 from risk_scores where score_date = $1', [scoreDate])).toBe(500);
  });

  it('judges a repeated row by its earliest line while two chunks are stored at once', async () => {
    const scoreDate = new Date(asOf.getTime() + 4 * 3_600_000).toISOString();
    const [a, b, c] = portfolio.customers.map((customer) => customer.customerId);
    const lines: [string, number][] = [[a!, 0.2], [b!, 0.4], [a!, 0.9], ['NOBODY', 0.5], ['NOBODY', 0.5], [b!, 0.4], [c!, 0.3], [c!, 0.3]];
    // Two rows a chunk: lines 3 and 4 are stored while lines 1 and 2 may still be.
    const { result, rejections } = await ingestInChunksOfTwo(lines, scoreDate);
    expect(rejections).toEqual([
      { line: 3, error: 'duplicate row: same customer_id and score_date as line 1' },
      { line: 4, error: 'customer_id: unknown customer "NOBODY"' },
      { line: 5, error: 'customer_id: unknown customer "NOBODY"' },
      { line: 6, error: 'duplicate row: same customer_id and score_date as an earlier row of this batch' },
      { line: 8, error: 'duplicate row: same customer_id and score_date as line 7' },
    ]);
    expect(result).toMatchObject({ accepted: 3, rejected: 5 });
    const stored = await engine.db.pool.query<{ customer_id: string; risk_score: number }>('select customer_id, risk_score::float8 as risk_score from risk_scores where score_date = $1', [scoreDate]);
    expect(Object.fromEntries(stored.rows.map((row) => [row.customer_id, row.risk_score]))).toEqual({ [a!]: 0.2, [b!]: 0.4, [c!]: 0.3 });
  });

  it('stores the new rows of chunks that also hold scores an earlier batch stored', async () => {
    const scoreDate = new Date(asOf.getTime() + 5 * 3_600_000).toISOString();
    const ids = portfolio.customers.slice(0, 6).map((customer) => customer.customerId);
    await ingestInChunksOfTwo([[ids[1]!, 0.3], [ids[3]!, 0.5]], scoreDate);
    // Chunks of two: the first holds a new row and a stored one, the second a stored row with
    // another score, the third only new rows.
    const { result, rejections } = await ingestInChunksOfTwo([[ids[0]!, 0.1], [ids[1]!, 0.3], [ids[2]!, 0.2], [ids[3]!, 0.9], [ids[4]!, 0.4], [ids[5]!, 0.6]], scoreDate);
    expect(rejections).toEqual([{ line: 4, error: 'risk_score: a different score (0.5) was already ingested for this customer_id and score_date' }]);
    expect(result).toMatchObject({ accepted: 5, alreadyIngested: 1, rejected: 1 });
    const stored = await engine.db.pool.query<{ customer_id: string; risk_score: number }>('select customer_id, risk_score::float8 as risk_score from risk_scores where score_date = $1', [scoreDate]);
    expect(Object.fromEntries(stored.rows.map((row) => [row.customer_id, row.risk_score]))).toEqual(Object.fromEntries(ids.map((id, i) => [id, [0.1, 0.3, 0.2, 0.5, 0.4, 0.6][i]])));
  });

  it('records one decision when two evaluations of the same scores race', async () => {
    const refs = portfolio.customers.slice(0, 50).map((c) => ({ customerId: c.customerId, scoreDate: new Date(asOf.getTime() + 3_600_000).toISOString() }));
    await engine.db.pool.query(
      `insert into risk_scores (customer_id, risk_score, score_date) select unnest($1::text[]), 0.9, $2`,
      [refs.map((r) => r.customerId), new Date(asOf.getTime() + 3_600_000)],
    );
    const deps = { pool: engine.runtime.pool, strategies: engine.runtime.strategies, clock: systemClock, messages: engine.runtime.messages };
    const results = await Promise.all([evaluateScores(deps, refs), evaluateScores(deps, refs), evaluateScores(deps, [...refs].reverse())]);
    expect(results.reduce((sum, r) => sum + r.decided, 0)).toBe(50);
    expect(await count(engine, 'select 1 from decisions where score_date = $1', [new Date(asOf.getTime() + 3_600_000)])).toBe(50);
  });
});

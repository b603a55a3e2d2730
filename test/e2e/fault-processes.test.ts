// Processes side by side and shutting down: two web and two worker processes on one Redis and
// Postgres give the same results as one; the web process stops accepting on SIGTERM but
// finishes the request in flight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Portfolio } from '../../src/synthetic/portfolio.js';
import { loadAwakePortfolio } from '../support/portfolio.js';
import { count, startTestEngine, TEST_ADMIN_TOKEN, testEnv, waitFor, type TestEngine } from '../support/engine.js';
import { exited, freePort, startProcess, webReady } from '../support/processes.js';

const SCORES = 2_000;
let engine: TestEngine;
let portfolio: Portfolio;
let env: Record<string, string>;

const post = (url: string, rows: unknown[]) =>
  fetch(`${url}/risk_scores`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(rows) });
const rowsOf = (scores: Portfolio['batch']) => scores.map((s) => ({ customer_id: s.customerId, risk_score: s.riskScore, score_date: s.scoreDate.toISOString() }));

beforeAll(async () => {
  engine = await startTestEngine({ workers: false });
  env = testEnv(engine.db, engine.config.queuePrefix, { LOG_LEVEL: 'silent', WORKER_METRICS_PORT: '0', METRICS_EVERY: '2s' });
  portfolio = await loadAwakePortfolio(engine, { customers: SCORES + 10_000, seed: 17, idPrefix: 'P' });
});

afterAll(async () => {
  await engine?.close();
});

describe('several processes on one Redis and Postgres', () => {
  it('decides and delivers a batch split over two web and two worker processes exactly as one would, with one snapshot per period', async () => {
    const ports = [await freePort(), await freePort()];
    const webs = ports.map((port) => startProcess('src/cli/web.ts', { ...env, PORT: String(port) }));
    const workerPort = await freePort();
    const workers = [startProcess('src/cli/worker.ts', { ...env, WORKER_METRICS_PORT: String(workerPort) }), startProcess('src/cli/worker.ts', env)];
    const children = [...webs, ...workers];
    let codes: (number | null)[] = [];
    try {
      const urls = ports.map((port) => `http://127.0.0.1:${port}`);
      await Promise.all(urls.map((url, i) => webReady(url, webs[i])));
      // A worker answers its container's health check on its metrics port.
      await webReady(`http://127.0.0.1:${workerPort}`, workers[0]);
      const ready = await fetch(`http://127.0.0.1:${workerPort}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', postgres: 'ok', redis: 'ok' }]);
      const batch = portfolio.batch.slice(0, SCORES);
      // Half of the batch to each web process, and the whole batch again to both: re-sent
      // scores change nothing.
      const answers = await Promise.all([post(urls[0]!, rowsOf(batch.slice(0, SCORES / 2))), post(urls[1]!, rowsOf(batch.slice(SCORES / 2))), post(urls[1]!, rowsOf(batch.slice(0, SCORES / 2)))]);
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
      await waitFor('every score decided', async () => (await count(engine, 'select 1 from decisions')) === SCORES, 120_000, 250);
      await waitFor('every delivery settled', async () => (await count(engine, "select 1 from deliveries where status in ('pending', 'sending', 'scheduled')")) === 0, 120_000, 250);
      expect(await count(engine, 'select distinct customer_id, score_date from decisions')).toBe(SCORES);
      expect(await count(engine, 'select 1 from interventions')).toBe(await count(engine, "select 1 from decisions where outcome <> 'no_intervention'"));
      // Outbox (no provider accounts here): one record per delivery, and every delivery settled once.
      expect(await count(engine, 'select 1 from outbox_messages')).toBe(await count(engine, "select 1 from deliveries where status = 'outbox'"));
      expect(await count(engine, 'select 1 from notifications')).toBe(await count(engine, "select 1 from deliveries where channel = 'app_notification' and status = 'sent'"));
      await waitFor('two snapshot periods', async () => (await count(engine, 'select 1 from metrics_snapshots')) >= 2, 20_000, 250);
    } finally {
      // Checked after the block, so that a failure inside it is the one reported.
      for (const child of children) child.kill('SIGTERM');
      codes = await Promise.all(children.map(exited));
    }
    expect(codes).toEqual([0, 0, 0, 0]);
    // Counted once the workers have stopped, so that no job completes between the two counts:
    // every metrics job that ran stored the snapshot of a period of its own.
    const slots = await engine.db.pool.query<{ n: number; d: number }>('select count(*)::int as n, count(distinct slot)::int as d from metrics_snapshots');
    expect(slots.rows[0]!.n).toBe(slots.rows[0]!.d);
    // One snapshot job per period (the queue also carries the partitions' maintenance).
    const completed = await engine.runtime.queues.metrics.getJobs(['completed']);
    expect(completed.filter((job) => job.name === 'snapshot')).toHaveLength(slots.rows[0]!.n);
  }, 240_000);

  it('stops accepting on SIGTERM and finishes the request in flight', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const web = startProcess('src/cli/web.ts', { ...env, PORT: String(port) });
    await webReady(url, web);
    // A large batch keeps the request busy while the signal arrives.
    const inFlight = post(url, rowsOf(portfolio.batch.slice(SCORES, SCORES + 8_000)));
    await new Promise((resolve) => setTimeout(resolve, 150));
    web.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(202);
    expect(((await answer.json()) as { accepted: number }).accepted).toBe(8_000);
    // 0 only when it closed by itself: past its 30 s grace period a process exits 1.
    expect(await exited(web)).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 150_000);
});

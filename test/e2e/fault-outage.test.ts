// Redis and Postgres going away mid-batch: jobs wait and retry, the worker process reconnects
// by itself, the batch completes; nothing is lost, nothing sent twice, no job fails for good.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBatch, loadAwakePortfolio, fakeProviderEnv } from '../support/portfolio.js';
import { count, startTestEngine, testEnv, waitFor, type TestEngine } from '../support/engine.js';
import { freePort, webReady } from '../support/processes.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startFakeSendGrid } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio } from '../fakes/fake-twilio.js';

const SCORES = 3_000;
const ROOT = path.resolve(import.meta.dirname, '../..');
let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;
let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
let redisProxy: TcpProxy;
let postgresProxy: TcpProxy;
let worker: ChildProcess;

beforeAll(async () => {
  sendgrid = await startFakeSendGrid();
  twilio = await startFakeTwilio();
  engine = await startTestEngine({ workers: false });
  redisProxy = await startTcpProxy(Number(new URL(engine.config.redisUrl).port || 6379));
  postgresProxy = await startTcpProxy(Number(new URL(engine.config.databaseUrl).port || 5432));
  const portfolio = await loadAwakePortfolio(engine, { customers: SCORES, seed: 13, idPrefix: 'O' });
  await ingestBatch(engine, portfolio.batch);
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await redisProxy?.close();
  await postgresProxy?.close();
  await engine?.close();
  await sendgrid?.close();
  await twilio?.close();
});

describe('Redis and Postgres outages', () => {
  it('completes the batch through a Redis restart and 10 s without Postgres, with no loss and no duplicate', async () => {
    const db = new URL(engine.config.databaseUrl);
    db.port = String(postgresProxy.port);
    const metricsPort = await freePort();
    const readyz = `http://127.0.0.1:${metricsPort}/readyz`;
    const env = testEnv(engine.db, engine.config.queuePrefix, {
      DATABASE_URL: db.toString(),
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
      LOG_LEVEL: process.env.TEST_WORKER_LOG ?? 'silent',
      WORKER_METRICS_PORT: String(metricsPort),
      JOB_LOCK_MS: '5000',
      DELIVERY_BACKOFF_MS: '500',
      PROVIDER_TIMEOUT_MS: '2000',
      ...fakeProviderEnv(sendgrid, twilio),
    });
    worker = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/worker.ts')], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: ROOT, stdio: ['ignore', process.env.TEST_WORKER_LOG ? 'inherit' : 'ignore', 'inherit'] });

    // Redis goes away while the scores are being decided, for 3 s.
    await waitFor('the first decisions', async () => (await count(engine, 'select 1 from decisions')) > 0, 60_000, 20);
    await webReady(`http://127.0.0.1:${metricsPort}`, worker);
    await redisProxy.cut();
    const cutAt = Date.now();
    // Its health check says so while Redis is away, and recovers with it.
    const during = await fetch(readyz);
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ status: 'not ready', postgres: 'ok', redis: expect.not.stringMatching(/^ok$/) });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3_000 - (Date.now() - cutAt))));
    await redisProxy.restore();
    await waitFor('the worker ready again', async () => (await fetch(readyz)).status === 200, 30_000, 200);

    // Postgres goes away while messages are going out, for 10 s.
    const sends = () => sendgrid.accepted.length + twilio.accepted.length;
    await waitFor('sends under way', async () => sends() > 100, 60_000, 20);
    await postgresProxy.cut();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    await postgresProxy.restore();

    await waitFor('every score decided', async () => (await count(engine, 'select 1 from decisions')) === SCORES, 120_000, 500);
    await waitFor('every delivery settled', async () => (await count(engine, "select 1 from deliveries where status in ('pending', 'sending', 'scheduled')")) === 0, 120_000, 500).catch(async (error: unknown) => {
      const stuck = await engine.db.pool.query("select channel, status, count(*)::int from deliveries where status in ('pending', 'sending', 'scheduled') group by 1, 2");
      const jobs = await Promise.all(engine.runtime.queues.all().map(async (q) => `${q.name}: ${JSON.stringify(await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized', 'waiting-children'))}`));
      throw new Error(`${(error as Error).message}; stuck: ${JSON.stringify(stuck.rows)}; jobs: ${jobs.join(' | ')}; worker exit ${worker.exitCode}`);
    });
    expect(worker.exitCode).toBeNull(); // it rode out both outages

    const failedJobs = await Promise.all(engine.runtime.queues.all().map((queue) => queue.getJobCountByTypes('failed')));
    expect(failedJobs.reduce((sum, n) => sum + n, 0)).toBe(0);
    const perDelivery = new Map<string, number>();
    for (const mail of sendgrid.accepted) perDelivery.set(`e${mail.body.custom_args?.delivery_id}`, (perDelivery.get(`e${mail.body.custom_args?.delivery_id}`) ?? 0) + 1);
    for (const sms of twilio.accepted) {
      const id = `s${new URL(sms.statusCallback ?? 'http://x/').searchParams.get('delivery_id')}`;
      perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
    }
    expect([...perDelivery.values()].filter((n) => n > 1)).toEqual([]);
    const unknown = await count(engine, "select 1 from deliveries where status = 'unknown'");
    console.info(`outages: ${SCORES} decisions, ${sends()} sends, 0 duplicates, ${unknown} unknown, 0 failed jobs`);
  }, 300_000);
});

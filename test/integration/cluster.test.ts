// The engine on a Redis Cluster (`npm run cluster:up`: 3 masters, a replica each): the demo
// pointed at one node, a batch through worker processes, a worker killed mid-batch, and the master that holds the evaluate
// queue killed mid-batch, its replica taking over. Each time every score is decided once and
// nothing is sent twice. The tests run one after another in this file, as the failover disturbs
// the whole cluster; they heal it afterwards, so that they pass run after run.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALL_QUEUES, EVALUATE_QUEUE } from '../../src/queues/names.js';
import type { Portfolio } from '../../src/synthetic/portfolio.js';
import { startFakeSendGrid } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio } from '../fakes/fake-twilio.js';
import { runCommand } from '../support/cli.js';
import { CLUSTER_URL, clusterNodes, healCluster, masterOfSlot, nodePid, queueSlot, requireCluster } from '../support/cluster.js';
import { createTestDatabase } from '../support/db.js';
import { count, deleteQueueKeys, startTestEngine, testEnv, waitFor, type TestEngine } from '../support/engine.js';
import { fakeProviderEnv, ingestBatch, loadAwakePortfolio } from '../support/portfolio.js';
import { exited, startProcess } from '../support/processes.js';

let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;
let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
let env: Record<string, string>;
let workers: ChildProcess[] = [];

beforeAll(async () => {
  await requireCluster({ heal: true });
  sendgrid = await startFakeSendGrid();
  twilio = await startFakeTwilio();
  engine = await startTestEngine({ workers: false, web: true, env: { REDIS_URL: CLUSTER_URL } });
  env = testEnv(engine.db, engine.config.queuePrefix, {
    REDIS_URL: CLUSTER_URL,
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: '0',
    // A job whose worker died, or whose lock could not be renewed while its master was away, is
    // taken up again after 5 s.
    JOB_LOCK_MS: '5000',
    DELIVERY_BACKOFF_MS: '200',
    PROVIDER_TIMEOUT_MS: '2000',
    // Two evaluate jobs at a time over two workers, so that most of a batch's jobs wait in the
    // evaluate queue, on its master, when the failover test kills it.
    EVALUATE_CONCURRENCY: '1',
    ...fakeProviderEnv(sendgrid, twilio),
  });
}, 120_000);

afterEach(async () => {
  await stopWorkers();
});

afterAll(async () => {
  await stopWorkers();
  await engine?.close();
  await sendgrid?.close();
  await twilio?.close();
  // A master killed by the failover test comes back as a replica.
  await healCluster();
}, 120_000);

// The workers' log lines: warnings are expected while a master is away, a MOVED, ASK or CROSSSLOT
// error never (the engine would be addressing the cluster as if it were one server).
let workerOutput = '';
const slotErrors = () => workerOutput.split('\n').filter((line) => /MOVED|\bASK\b|CROSSSLOT/.test(line));

function startWorker(): ChildProcess {
  const worker = startProcess('src/cli/worker.ts', env, (text) => (workerOutput += text));
  workers.push(worker);
  return worker;
}

async function stopWorkers(): Promise<void> {
  const running = workers;
  workers = [];
  for (const worker of running) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGTERM');
  await Promise.all(running.map(exited));
}

const sends = () => sendgrid.accepted.length + twilio.accepted.length;
const ofBatch = (idPrefix: string) => [`${idPrefix}%`];
const decided = (idPrefix: string) => count(engine, 'select 1 from decisions where customer_id like $1', ofBatch(idPrefix));

/** Waits until every score of the batch is decided and every delivery settled. */
async function settled(idPrefix: string, scores: number): Promise<void> {
  await waitFor('every score decided', async () => (await decided(idPrefix)) >= scores, 180_000, 200);
  await waitFor(
    'every delivery settled',
    async () => (await count(engine, "select 1 from deliveries where customer_id like $1 and status in ('pending', 'sending', 'scheduled')", ofBatch(idPrefix))) === 0,
    180_000,
    200,
  );
}

/** What a batch left: decisions per score, sends per delivery at the providers, failed jobs. */
async function outcome(idPrefix: string) {
  const perDelivery = new Map<string, number>();
  for (const mail of sendgrid.accepted) {
    const id = `email:${mail.body.custom_args?.delivery_id ?? ''}`;
    perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
  }
  for (const sms of twilio.accepted) {
    const id = `sms:${new URL(sms.statusCallback ?? 'http://x/').searchParams.get('delivery_id') ?? ''}`;
    perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
  }
  const { rows } = await engine.db.pool.query<{ delivery_id: number; channel: string; status: string }>(
    "select delivery_id, channel, status from deliveries where customer_id like $1 and channel in ('email', 'sms')",
    ofBatch(idPrefix),
  );
  const accepted = (row: { delivery_id: number; channel: string }) => perDelivery.has(`${row.channel}:${row.delivery_id}`);
  const failedJobs = (await Promise.all(engine.runtime.queues.all().map((queue) => queue.getFailedCount()))).reduce((a, b) => a + b, 0);
  return {
    decisions: await decided(idPrefix),
    scoresDecided: await count(engine, 'select distinct customer_id, score_date from decisions where customer_id like $1', ofBatch(idPrefix)),
    deliveries: await count(engine, 'select 1 from deliveries where customer_id like $1', ofBatch(idPrefix)),
    sent: rows.filter((row) => row.status === 'sent').length,
    unknown: rows.filter((row) => row.status === 'unknown').length,
    duplicates: [...perDelivery.values()].filter((n) => n > 1).length,
    // recorded as sent, but no provider accepted it; or accepted and recorded otherwise than sent or unknown
    sentNotAccepted: rows.filter((row) => row.status === 'sent' && !accepted(row)).length,
    acceptedNotRecorded: rows.filter((row) => accepted(row) && !['sent', 'unknown'].includes(row.status)).length,
    failedJobs,
  };
}

function expectOnceEach(result: Awaited<ReturnType<typeof outcome>>, scores: number): void {
  expect(result.decisions).toBe(scores);
  expect(result.scoresDecided).toBe(scores);
  expect(result.deliveries).toBeGreaterThan(0);
  expect(result.duplicates).toBe(0);
  expect(result.sentNotAccepted).toBe(0);
  expect(result.acceptedNotRecorded).toBe(0);
  expect(result.failedJobs).toBe(0);
  expect(slotErrors()).toEqual([]);
}

describe('on a Redis Cluster', () => {
  it('runs `npm run demo -- --exit` with REDIS_URL naming one node, to its summary, with no MOVED or ASK error', async () => {
    const db = await createTestDatabase();
    const prefix = `${engine.config.queuePrefix}demo`;
    try {
      const demoEnv = { DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:7000', QUEUE_PREFIX: prefix, PORT: '0', LOG_LEVEL: 'warn' };
      const result = await runCommand('src/cli/demo.ts', ['--exit', '--customers', '600'], demoEnv, { timeoutMs: 170_000 });
      const output = `${result.stdout}\n${result.stderr}`;
      expect(output).not.toMatch(/MOVED|\bASK\b|CROSSSLOT/);
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('queues on the Redis Cluster of 127.0.0.1:7000');
      expect(result.stdout).toMatch(/=== Scoring batch: 600 scores decided and delivered in [\d.]+ s ===/);
      expect(result.stdout).toMatch(/^demo took [\d.]+ s$/m);
    } finally {
      await deleteQueueKeys(prefix, CLUSTER_URL);
      await db.drop();
    }
  }, 180_000);

  it('decides every score of a batch from `npm run enqueue` once, sends nothing twice, and spreads the queues over the masters', async () => {
    const portfolio = await loadAwakePortfolio(engine, { customers: 1_500, seed: 31, idPrefix: 'CA' });
    const dir = mkdtempSync(path.join(tmpdir(), 'ie-cluster-'));
    try {
      const file = path.join(dir, 'scores.jsonl');
      writeFileSync(file, portfolio.batch.map((s) => JSON.stringify({ customer_id: s.customerId, risk_score: s.riskScore, score_date: s.scoreDate.toISOString() })).join('\n'));
      const enqueued = await runCommand('src/cli/enqueue.ts', [file], env, { timeoutMs: 60_000 });
      expect(enqueued.stderr).toBe('');
      expect(enqueued.stdout).toMatch(/accepted 1500, rejected 0; enqueued 1500 evaluations/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    startWorker();
    startWorker();
    await settled('CA', 1_500);
    const result = await outcome('CA');
    expectOnceEach(result, 1_500);
    expect(result.sent).toBeGreaterThan(0);

    // One slot per queue, the slots on more than one master.
    const masters = new Set(await Promise.all(ALL_QUEUES.map(async (queue) => (await masterOfSlot(await queueSlot(engine.config.queuePrefix, queue))).address)));
    expect(masters.size).toBeGreaterThan(1);

    // The web process's readiness, metrics and Bull Board read the queues through the cluster.
    const ready = await engine.api('/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', redis: 'ok' });
    const metrics = await (await engine.api('/metrics', { token: null })).text();
    expect(metrics).toMatch(/^ie_queue_jobs\{queue="evaluate-customer",state="waiting"\} 0$/m);
    expect(metrics).toMatch(/^ie_queue_jobs_processed\{queue="evaluate-customer",result="completed"\} [1-9]\d*$/m);
    const board = await engine.api('/admin/queues/api/queues');
    expect(board.status).toBe(200);
    const names = ((await board.json()) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual([...ALL_QUEUES].sort());
    console.info(`cluster batch: ${result.decisions} decisions, ${result.sent} sends, 0 duplicates; the ${ALL_QUEUES.length} queues on masters ${[...masters].sort().join(', ')}`);
  }, 300_000);

  it('loses no decision and sends nothing twice when a worker is killed with SIGKILL mid-batch', async () => {
    const portfolio = await loadAwakePortfolio(engine, { customers: 2_000, seed: 32, idPrefix: 'CK' });
    await ingestBatch(engine, portfolio.batch);
    const victim = startWorker();
    startWorker();
    await waitFor('the first decisions', async () => (await decided('CK')) > 0, 60_000, 20);
    victim.kill('SIGKILL');
    const atFirstKill = await decided('CK');
    await exited(victim);
    const second = startWorker();
    const target = sends() + 100;
    await waitFor('sends under way', async () => sends() >= target, 120_000, 10);
    second.kill('SIGKILL');
    await exited(second);
    startWorker();
    await settled('CK', 2_000);
    const result = await outcome('CK');
    expect(atFirstKill).toBeLessThan(2_000);
    expectOnceEach(result, 2_000);
    console.info(`cluster kill -9: 2 workers killed (first at ${atFirstKill} of 2000 decisions), ${result.decisions} decisions, ${result.sent} sent, ${result.unknown} unknown, 0 duplicates`);
  }, 300_000);

  it('finishes a batch with nothing lost and nothing sent twice when the master holding the evaluate queue dies and its replica takes over', async () => {
    const portfolio: Portfolio = await loadAwakePortfolio(engine, { customers: 3_000, seed: 33, idPrefix: 'CF' });
    await ingestBatch(engine, portfolio.batch);
    const slot = await queueSlot(engine.config.queuePrefix, EVALUATE_QUEUE);
    const master = await masterOfSlot(slot);
    const replicas = (await clusterNodes()).filter((node) => node.masterId === master.id).map((node) => node.address);
    expect(replicas.length).toBeGreaterThan(0);
    const pid = await nodePid(master.port);
    const waiting = await engine.runtime.queues.evaluate.getWaitingCount();

    startWorker();
    startWorker();
    await waitFor('the first decisions', async () => (await decided('CF')) > 0, 60_000, 20);
    process.kill(pid, 'SIGKILL');
    const killedAt = new Date();
    const before = await decided('CF');

    await waitFor('a replica serving the slot', async () => replicas.includes((await masterOfSlot(slot).catch(() => null))?.address ?? ''), 30_000, 50);
    const tookOverMs = Date.now() - killedAt.getTime();
    const promoted = (await masterOfSlot(slot)).address;
    await waitFor('every score decided', async () => (await decided('CF')) >= 3_000, 180_000, 200);
    const allDecidedS = (Date.now() - killedAt.getTime()) / 1000;
    await settled('CF', 3_000);
    const settledS = (Date.now() - killedAt.getTime()) / 1000;
    const warnings = workerOutput.split('\n').filter((line) => /"level":[45]0/.test(line));
    const said = [...new Set(warnings.map((line) => `${/"msg":"([^"]*)"/.exec(line)?.[1] ?? ''}: ${/"message":"([^"]{0,60})/.exec(line)?.[1] ?? ''}`))];
    const result = await outcome('CF');

    // How long evaluations waited: the longest pause between two decisions from the kill on.
    const { rows } = await engine.db.pool.query<{ pause_ms: number | null }>(
      `select max(extract(epoch from gap) * 1000)::int as pause_ms
         from (select decided_at, decided_at - lag(decided_at) over (order by decided_at) as gap
                 from decisions where customer_id like $1 and decided_at >= $2::timestamptz - interval '1 second') d`,
      [...ofBatch('CF'), killedAt],
    );
    console.info(
      `failover: master ${master.address} (pid ${pid}) holding slot ${slot} of the evaluate queue {${engine.config.queuePrefix}:${EVALUATE_QUEUE}} killed with SIGKILL ` +
        `at ${before} of 3000 decisions (${waiting} evaluate jobs were waiting before the workers started); replica ${promoted} served the slot ${(tookOverMs / 1000).toFixed(1)} s later; ` +
        `longest pause between decisions after the kill ${((rows[0]?.pause_ms ?? 0) / 1000).toFixed(1)} s; every score decided ${allDecidedS.toFixed(1)} s and every delivery settled ${settledS.toFixed(1)} s after the kill; ` +
        `${warnings.length} warnings or errors in the workers' logs (${said.join('; ') || 'none'}), ${slotErrors().length} MOVED/ASK/CROSSSLOT; ` +
        `after: ${result.decisions} decisions for ${result.scoresDecided} scores, ${result.deliveries} deliveries, ${result.sent} sent, ${result.unknown} unknown, ${result.duplicates} sent twice, ${result.failedJobs} failed jobs`,
    );
    expect(before).toBeLessThan(3_000);
    expectOnceEach(result, 3_000);
  }, 300_000);
});

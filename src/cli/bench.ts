// npm run bench [-- --quick] [--customers N] [--scores N] [--workers N] [--cpu-prof DIR]: the performance
// benchmark (SPEC §9) on the local Redis and Postgres, providers faked on localhost, with a
// portfolio it generates itself (fixed seed). One line per figure, then a JSON summary, also
// written to bench/results/latest.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BASELINE_TABLE, prepareBaseline, runBaseline } from '../../bench/baseline.js';
import { startFakeSendGrid } from '../../test/fakes/fake-sendgrid.js';
import { startFakeTwilio } from '../../test/fakes/fake-twilio.js';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { computeMetrics } from '../db/metrics.js';
import { insertPayments, insertScoreHistory, upsertCustomers } from '../db/portfolio.js';
import { InputError } from '../errors.js';
import { ingestScores } from '../ingest/ingest-scores.js';
import { readBatchRows } from '../ingest/read-batch-file.js';
import { createLogger } from '../logger.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { awakeZones, generatePortfolio } from '../synthetic/portfolio.js';
import { runCli } from './run-cli.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BENCH_DB = 'ie_bench';
const DAY = 86_400_000;

interface Figure {
  name: string;
  value: number;
  unit: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

async function count(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from (${sql}) q`, params);
  return rows[0]?.n ?? 0;
}

async function waitUntil(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`bench: gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/**
 * Waits until the evaluate queue has nothing left to do, then checks that the scores were all
 * decided. Asking the queue (a few Redis counters) rather than counting decisions in a loop
 * keeps the bench's own polling off the cores it measures.
 */
async function waitForDecisions(runtime: Runtime, what: string, expected: number, countDecided: () => Promise<number>): Promise<void> {
  await waitUntil(what, 600_000, async () => (await runtime.queues.evaluate.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) === 0);
  const decided = await countDecided();
  if (decided < expected) throw new Error(`bench: ${what}: ${decided} of ${expected} scores decided (see the evaluate queue's failed jobs)`);
}

function writeJsonl(file: string, rows: Iterable<string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    out.on('error', reject);
    for (const row of rows) out.write(`${row}\n`);
    out.end(resolve);
  });
}

function runChild(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited with ${code}`))));
  });
}

async function ingestRows(runtime: Runtime, rows: readonly { customerId: string; riskScore: number; scoreDate: Date }[], source: string): Promise<void> {
  await ingestScores({ ...runtime, clock: systemClock }, (async function* () {
    for (const [i, row] of rows.entries()) yield { line: i, raw: { customer_id: row.customerId, risk_score: row.riskScore, score_date: row.scoreDate.toISOString() } };
  })(), { source });
}

/** Worker processes; with `cpuProfileDir`, each writes a V8 CPU profile there when it stops. */
function startWorkerProcesses(n: number, env: NodeJS.ProcessEnv, cpuProfileDir: string | undefined): ChildProcess[] {
  const profile = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [];
  return Array.from({ length: n }, () => spawn(process.execPath, [...profile, '--import', 'tsx', path.join(ROOT, 'src/cli/worker.ts')], { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] }));
}

async function stopProcesses(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  })));
}

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      customers: { type: 'string' },
      scores: { type: 'string' },
      workers: { type: 'string', default: '2' },
      'cpu-prof': { type: 'string' },
    },
  });
  const number = (text: string | undefined, fallback: number, name: string) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new InputError(`--${name} must be a positive whole number (got '${text}')`);
    return n;
  };
  const quick = values.quick;
  const e2eScores = number(values.scores, quick ? 4_000 : 100_000, 'scores');
  const ingestCustomers = number(values.customers, quick ? 4_000 : 100_000, 'customers');
  const workerCount = number(values.workers, 2, 'workers');
  const cpuProfileDir = values['cpu-prof'] && path.resolve(values['cpu-prof']);
  const ingestSizes = quick ? [20_000, 100_000] : [100_000, 1_000_000];
  const steady = quick ? { rate: 200, seconds: 6 } : { rate: 500, seconds: 20 };
  const baselineScores = quick ? 400 : 3_000;
  const evaluationOnlyScores = quick ? 4_000 : 50_000;
  const snapshotInterventions = quick ? 50_000 : 1_000_000;

  const base = loadConfig();
  const serverUrl = new URL(base.databaseUrl);
  serverUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  await admin.query(`drop database if exists ${BENCH_DB} with (force)`);
  await admin.end();
  serverUrl.pathname = `/${BENCH_DB}`;
  const sendgrid = await startFakeSendGrid();
  const twilio = await startFakeTwilio();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: serverUrl.toString(),
    REDIS_URL: base.redisUrl,
    QUEUE_PREFIX: 'bench',
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: '0',
    HOLDOUT_PERCENT: '5',
    SENDGRID_API_KEY: sendgrid.apiKey,
    SENDGRID_FROM_EMAIL: 'care@bench.example',
    SENDGRID_API_URL: sendgrid.url,
    SENDGRID_RATE_PER_SECOND: '100000',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM_NUMBER: '+15005550006',
    TWILIO_API_URL: twilio.url,
    TWILIO_RATE_PER_SECOND: '100000',
  };
  const config = loadConfig(env);
  await migrate(config.databaseUrl);
  const runtime = await createRuntime(config, createLogger(config.logLevel, 'bench'));
  await Promise.all(runtime.queues.all().map((queue) => queue.obliterate({ force: true })));
  const figures: Figure[] = [];
  const report = (name: string, value: number, unit: string) => {
    figures.push({ name, value: Math.round(value * 100) / 100, unit });
    console.log(`${name} ${Math.round(value * 100) / 100} ${unit}`);
  };
  const started = Date.now();
  // The bench's files (about 100 MB of generated batches), removed when it ends.
  const dir = mkdtempSync(path.join(tmpdir(), 'ie-bench-'));

  try {
    // The portfolio: customers for ingestion and end to end, for the steady-rate run and for
    // the baseline, each with a few days of score history, all in zones that are awake now.
    const asOf = new Date(Math.floor(Date.now() / DAY) * DAY);
    const zones = awakeZones(new Date());
    const steadyCount = steady.rate * steady.seconds;
    const total = Math.max(ingestCustomers, e2eScores) + evaluationOnlyScores + steadyCount + baselineScores;
    const portfolio = generatePortfolio({ customers: total, seed: 2026, asOf, idPrefix: 'B' });
    portfolio.customers.forEach((customer, n) => {
      customer.timezone = zones[n % zones.length]!;
    });
    await upsertCustomers(runtime.pool, portfolio.customers);
    await insertPayments(runtime.pool, portfolio.payments);
    await insertScoreHistory(runtime.pool, portfolio.history);
    const batch = portfolio.batch;
    const e2eSet = batch.slice(0, e2eScores);
    const steadySet = batch.slice(total - steadyCount - baselineScores, total - baselineScores);
    const baselineSet = batch.slice(total - baselineScores);
    const evaluationOnlySet = batch.slice(total - baselineScores - steadyCount - evaluationOnlyScores, total - baselineScores - steadyCount);
    console.error(`bench: ${total} customers loaded in ${((Date.now() - started) / 1000).toFixed(1)} s; zones ${zones.join(', ')}`);

    // 1. Ingestion, streaming, in a process of its own: rows/s and peak RSS at two sizes.
    for (const size of ingestSizes) {
      const file = path.join(dir, `ingest-${size}.jsonl`);
      const ids = portfolio.customers.slice(0, ingestCustomers).map((c) => c.customerId);
      await writeJsonl(file, (function* () {
        for (let n = 0; n < size; n += 1) {
          const day = Math.floor(n / ids.length);
          yield JSON.stringify({ customer_id: ids[n % ids.length], risk_score: ((n * 7919) % 1000) / 1000, score_date: new Date(Date.UTC(2024, 0, 1) + day * DAY).toISOString() });
        }
      })());
      const result = JSON.parse(await runChild('bench/ingest-child.ts', [file], env)) as { rows: number; seconds: number; maxRssMb: number };
      if (result.rows !== size) throw new Error(`bench: ingestion accepted ${result.rows} of ${size} rows`);
      report(`ingest_${size}_rows_per_s`, size / result.seconds, 'rows/s');
      report(`ingest_${size}_peak_rss`, result.maxRssMb, 'MB');
      await runtime.queues.evaluate.obliterate({ force: true });
      await runtime.pool.query("delete from risk_scores where score_date < '2025-01-01'");
    }
    // A million deleted rows would otherwise be vacuumed in the middle of the end-to-end run;
    // a lender's database meets its nightly batch vacuumed and analysed.
    await runtime.pool.query('vacuum analyze risk_scores');
    await runtime.pool.query('analyze customers; analyze payments');

    // 2. End to end: a batch file of scores through web-less workers (separate processes, so
    // that both cores work) to the last delivery recorded at the fake providers.
    const e2eFile = path.join(dir, 'e2e.jsonl');
    await writeJsonl(e2eFile, e2eSet.map((s) => JSON.stringify({ customer_id: s.customerId, risk_score: s.riskScore, score_date: s.scoreDate.toISOString() })));
    const workers = startWorkerProcesses(workerCount, env, cpuProfileDir);
    try {
      await sleep(3_000); // workers up and connected
      const t0 = performance.now();
      await ingestScores({ ...runtime, clock: systemClock }, readBatchRows(createReadStream(e2eFile), 'jsonl', e2eFile), { source: 'bench:e2e' });
      await waitForDecisions(runtime, 'every score decided', e2eSet.length, () => count(runtime.pool, 'select 1 from decisions where score_date = $1', [asOf]));
      const decidedAt = performance.now();
      await waitUntil('every delivery settled', 600_000, async () => (await count(runtime.pool, "select 1 from deliveries where status in ('pending', 'sending', 'scheduled')")) === 0);
      const deliveredAt = performance.now();
      const sent = await count(runtime.pool, "select 1 from deliveries where provider in ('sendgrid', 'twilio') and status = 'sent'");
      if (sent !== sendgrid.accepted.length + twilio.accepted.length) throw new Error(`bench: ${sent} sends recorded, ${sendgrid.accepted.length + twilio.accepted.length} at the fakes`);
      report('decisions_per_s', e2eSet.length / ((decidedAt - t0) / 1000), 'decisions/s');
      report(`e2e_${e2eSet.length}_scores_seconds`, (deliveredAt - t0) / 1000, 's');
      report('e2e_deliveries', await count(runtime.pool, 'select 1 from deliveries'), 'deliveries');
      report('e2e_provider_sends', sent, 'sends');

      // 3. Latency from enqueue to decision at a steady rate.
      const enqueuedAt = new Map<string, number>();
      const perTick = steady.rate / 10;
      const tickStart = Date.now();
      for (let tick = 0; tick * perTick < steadySet.length; tick += 1) {
        const rows = steadySet.slice(tick * perTick, (tick + 1) * perTick);
        const at = Date.now();
        for (const row of rows) enqueuedAt.set(row.customerId, at);
        await ingestRows(runtime, rows, 'bench:steady');
        await sleep(Math.max(0, tickStart + (tick + 1) * 100 - Date.now()));
      }
      await waitForDecisions(runtime, 'steady-rate scores decided', enqueuedAt.size, () => count(runtime.pool, 'select 1 from decisions where customer_id = any($1)', [[...enqueuedAt.keys()]]));
      const { rows } = await runtime.pool.query<{ customer_id: string; decided_at: Date }>('select customer_id, decided_at from decisions where customer_id = any($1)', [[...enqueuedAt.keys()]]);
      const latencies = rows.map((r) => r.decided_at.getTime() - (enqueuedAt.get(r.customer_id) ?? 0)).sort((a, b) => a - b);
      report(`latency_p50_at_${steady.rate}_per_s`, quantile(latencies, 0.5), 'ms');
      report(`latency_p99_at_${steady.rate}_per_s`, quantile(latencies, 0.99), 'ms');
    } finally {
      await stopProcesses(workers);
    }

    // 4. Decisions alone: the same worker processes working only the evaluate-customer queue
    // (WORKER_QUEUES), as the baseline below does nothing but decide.
    const evaluators = startWorkerProcesses(workerCount, { ...env, WORKER_QUEUES: 'evaluate-customer' }, cpuProfileDir);
    try {
      await sleep(3_000);
      const t0 = performance.now();
      await ingestRows(runtime, evaluationOnlySet, 'bench:evaluation-only');
      const ids = evaluationOnlySet.map((s) => s.customerId);
      await waitForDecisions(runtime, 'evaluation-only scores decided', ids.length, () => count(runtime.pool, 'select 1 from decisions where customer_id = any($1)', [ids]));
      report('decisions_per_s_evaluation_workers_only', evaluationOnlySet.length / ((performance.now() - t0) / 1000), 'decisions/s');
    } finally {
      await stopProcesses(evaluators);
    }

    // 5. The reference design's path, sequential, on the same machine and data.
    await insertScoreHistory(runtime.pool, baselineSet);
    await prepareBaseline(runtime.pool);
    const baseline = await runBaseline(runtime.pool, runtime.policy, baselineSet);
    report('baseline_decisions_per_s', baseline, 'decisions/s');
    report('decisions_ratio_ours_to_baseline', (figures.find((f) => f.name === 'decisions_per_s_evaluation_workers_only')?.value ?? 0) / baseline, 'x');
    await runtime.pool.query(`drop table ${BASELINE_TABLE}`);

    // 6. A metrics snapshot over a large intervention table (interventions spread over 90 days,
    // 10% of their customers with a missed payment).
    await runtime.pool.query(
      `with d as (
         insert into decisions (customer_id, score_date, risk_score, outcome, trend, intervention_type, policy_version, decided_at)
         select 'S' || n, $2::timestamptz - (n % 90) * interval '1 day', 0.7, case when n % 20 = 0 then 'holdout' else 'intervention' end, 'increasing',
                (array['payment_assistance','flexible_payment','payment_reminder','financial_wellness'])[1 + n % 4], 'bench', $2::timestamptz - (n % 90) * interval '1 day'
           from generate_series(1, $1::int) as n
         returning decision_id, customer_id, outcome, intervention_type, decided_at)
       insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers, contact_by, holdout, policy_version)
       select decision_id, customer_id, decided_at, intervention_type, 'high', 0.7, 'increasing', '{email}', '{}', decided_at, outcome = 'holdout', 'bench' from d`,
      [snapshotInterventions, new Date()],
    );
    await runtime.pool.query(
      `insert into payments (customer_id, due_date, amount, status)
       select 'S' || n, (now() - (n % 90) * interval '1 day' + interval '10 days')::date, 100, 'missed' from generate_series(1, $1::int, 10) as n`,
      [snapshotInterventions],
    );
    await runtime.pool.query('analyze interventions; analyze payments; analyze deliveries');
    const interventions = await count(runtime.pool, 'select 1 from interventions');
    const t = performance.now();
    await computeMetrics(runtime.pool, 90, new Date());
    report(`snapshot_over_${interventions}_interventions_seconds`, (performance.now() - t) / 1000, 's');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await runtime.close();
    await sendgrid.close();
    await twilio.close();
  }

  const summary = { quick, workers: workerCount, seconds: Math.round((Date.now() - started) / 1000), figures: Object.fromEntries(figures.map((f) => [f.name, { value: f.value, unit: f.unit }])) };
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary));
});

// npm run bench [-- --quick] [--customers N] [--scores N] [--workers N] [--cpu-prof DIR]
// [--stage all|ingest|scale-out|webhook|snapshot] [--cluster URL]: the performance benchmark (SPEC §9, §11) on the
// local Redis and Postgres (and the Redis Cluster of `npm run cluster:up`), providers faked on localhost,
// with a portfolio it generates itself (fixed seed), in a database and queue prefix of its own
// (random, removed at the end, so that two runs never collide). One line per figure, then a JSON
// summary, also written to bench/results/latest.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startFakeSendGrid } from '#fakes/fake-sendgrid.js';
import { startFakeTwilio } from '#fakes/fake-twilio.js';
import { redisProblem } from '../src/cli/check-services.js';
import { runCli } from '../src/cli/run-cli.js';
import { loadConfig } from '../src/config.js';
import { migrate } from '../src/db/migrate.js';
import { insertPayments, insertScoreHistory, upsertCustomers } from '../src/db/portfolio.js';
import { InputError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { detectRedisTopology } from '../src/queues/connection.js';
import { createRuntime } from '../src/runtime/runtime.js';
import { awakeZones, generatePortfolio } from '../src/synthetic/portfolio.js';
import { BASELINE_TABLE, prepareBaseline, runBaseline } from './baseline.js';
import { benchIngestion } from './ingestion.js';
import { benchEndToEnd, benchEvaluationBesideBaseline, coresOver, type PipelineContext } from './pipeline.js';
import { benchPartitionMigration } from './migration.js';
import { benchScaleOut, scaleOutTable, type ScaleOutTarget } from './scale-out.js';
import { benchSnapshot } from './snapshot.js';
import { benchWebhook, fillAsAfterEndToEnd, WEBHOOK_KEYS } from './webhook.js';
import { DAY, median, ROOT, withBenchDatabase, type Figure } from './support.js';

function positiveWholeNumber(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`--${name} must be a positive whole number (got '${text}')`);
  return n;
}

/** null when a Redis Cluster answers at `url`; otherwise why not. */
async function clusterProblem(url: string): Promise<string | null> {
  const problem = await redisProblem(url);
  if (problem) return problem;
  return (await detectRedisTopology(url)).cluster ? null : `${url} is a single Redis, not a cluster`;
}

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      customers: { type: 'string' },
      scores: { type: 'string' },
      workers: { type: 'string', default: '2' },
      'cpu-prof': { type: 'string' },
      // a stage alone: ingest (batch files against COPY), decisions (end to end, the steady
      // rate's latency and evaluation-only workers, against the baseline), scale-out
      // (decisions/s by worker processes, on single Redis and on the cluster), webhook
      // (SendGrid's event webhook) or snapshot (the metrics snapshot over a generated history)
      stage: { type: 'string', default: 'all' },
      cluster: { type: 'string', default: 'redis://127.0.0.1:7000' },
    },
  });
  const STAGES = ['all', 'ingest', 'decisions', 'scale-out', 'webhook', 'snapshot'];
  if (!STAGES.includes(values.stage)) throw new InputError(`--stage must be one of ${STAGES.join(', ')} (got '${values.stage}')`);
  const onlyScaleOut = values.stage === 'scale-out';
  const runsScaleOut = onlyScaleOut || (values.stage === 'all' && !values.quick);
  const quick = values.quick;
  const e2eScores = positiveWholeNumber(values.scores, quick ? 4_000 : 100_000, 'scores');
  const ingestCustomers = positiveWholeNumber(values.customers, quick ? 4_000 : 100_000, 'customers');
  const workerCount = positiveWholeNumber(values.workers, 2, 'workers');
  const cpuProfileDir = values['cpu-prof'] && path.resolve(values['cpu-prof']);
  const ingestSizes = quick ? [20_000, 100_000] : [100_000, 1_000_000];
  const steady = quick ? { rate: 200, seconds: 6 } : { rate: 500, seconds: 20 };
  const baselineScores = quick ? 400 : 5_000;
  const evaluationOnlyScores = quick ? 4_000 : 50_000;
  // rounds of each, alternating: evaluation-only workers, then the baseline; the first warms up
  // the workers just started (their code is not compiled yet) and is not counted
  const decisionRounds = quick ? 2 : 5;
  const snapshotInterventions = quick ? 20_000 : 1_000_000;
  const migrationScores = quick ? 10_000 : 1_000_000;
  const scaleOutWorkers = [1, 2, 4];
  // per round: enough for a few seconds of deciding, so that a worker's start is not what is measured
  const scaleOutPerRound = quick ? 1_000 : 10_000;

  const base = loadConfig();
  const figures: Figure[] = [];
  const started = Date.now();
  await withBenchDatabase(base.databaseUrl, async (databaseUrl) => {
    const sendgrid = await startFakeSendGrid();
    const twilio = await startFakeTwilio();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      REDIS_URL: base.redisUrl,
      QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}`,
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
      SENDGRID_WEBHOOK_PUBLIC_KEY: WEBHOOK_KEYS.publicKey,
    };
    const config = loadConfig(env);
    await migrate(config.databaseUrl);
    const runtime = await createRuntime(config, createLogger(config.logLevel, 'bench'));
    // The cluster's rounds run when a Redis Cluster answers at --cluster; otherwise the bench says how to start one.
    const clusterEnv = { ...env, REDIS_URL: values.cluster };
    const noCluster = runsScaleOut ? await clusterProblem(values.cluster) : 'not needed';
    const clusterRuntime = noCluster ? null : await createRuntime(loadConfig(clusterEnv), createLogger(config.logLevel, 'bench'));
    if (runsScaleOut && noCluster) console.error(`bench: no Redis Cluster for the scale-out rounds (${noCluster}); start one with: npm run cluster:up`);
    const report = (name: string, value: number, unit: string) => {
      figures.push({ name, value: Math.round(value * 100) / 100, unit });
      console.log(`${name} ${Math.round(value * 100) / 100} ${unit}`);
    };
    // The bench's files (about 100 MB of generated batches), removed when it ends.
    const dir = mkdtempSync(path.join(tmpdir(), 'ie-bench-'));
    try {
      if (values.stage === 'webhook') {
        // About what the whole run has by then: 220,000 customers, 190,000 deliveries this month.
        await fillAsAfterEndToEnd(runtime, quick ? { customers: 4_000, deliveries: 4_000 } : { customers: 220_000, deliveries: 190_000 });
        await benchWebhook(runtime, report, quick ? 4 : 8);
        return;
      }
      if (values.stage === 'snapshot') {
        await benchSnapshot(runtime, report, snapshotInterventions, quick ? 1 : 2);
        return;
      }
      // The portfolio: customers for ingestion and end to end, for the steady-rate run and for
      // the baseline, each with a few days of score history, all in zones that are awake now.
      const asOf = new Date(Math.floor(Date.now() / DAY) * DAY);
      const zones = awakeZones(new Date());
      const steadyCount = steady.rate * steady.seconds;
      const scaleOutScores = runsScaleOut ? scaleOutPerRound * scaleOutWorkers.length * 2 : 0;
      const onlyIngest = values.stage === 'ingest';
      const total = onlyScaleOut ? scaleOutScores : onlyIngest ? ingestCustomers : Math.max(ingestCustomers, e2eScores) + evaluationOnlyScores + steadyCount + baselineScores + scaleOutScores;
      const portfolio = generatePortfolio({ customers: total, seed: 2026, asOf, idPrefix: 'B' });
      portfolio.customers.forEach((customer, n) => {
        customer.timezone = zones[n % zones.length]!;
      });
      await upsertCustomers(runtime.pool, portfolio.customers);
      await insertPayments(runtime.pool, portfolio.payments);
      await insertScoreHistory(runtime.pool, portfolio.history);
      // Vacuumed and analysed, as autovacuum leaves a lender's database when its nightly batch
      // arrives (and as the whole run's ingestion stage leaves it), so that a stage run alone
      // meets the same plans. Vacuum marks the pages all-visible: the index-only probes of
      // customers then read no heap (this machine's PostgreSQL runs with autovacuum off).
      await runtime.pool.query('vacuum analyze customers, payments, risk_scores');
      const batch = portfolio.batch;
      const scaleOutSet = batch.slice(total - scaleOutScores);
      const steadyStart = total - scaleOutScores - steadyCount - baselineScores;
      const baselineSet = batch.slice(steadyStart + steadyCount, total - scaleOutScores);
      console.error(`bench: ${total} customers loaded in ${((Date.now() - started) / 1000).toFixed(1)} s; zones ${zones.join(', ')}`);

      // Scale-out's rounds start 12 worker processes: a stage of its own, left out of --quick's
      // whole run, and run last: the deliveries its decisions leave behind (on the cluster, or
      // with no delivery worker running) are nothing the other stages should wait for.
      const scaleOut = async () => {
        const targets: ScaleOutTarget[] = [{ name: 'single', runtime, env }, ...(clusterRuntime ? [{ name: 'cluster', runtime: clusterRuntime, env: clusterEnv }] : [])];
        console.log(scaleOutTable(await benchScaleOut(targets, scaleOutSet, scaleOutWorkers, report), scaleOutPerRound));
      };
      if (onlyScaleOut) return await scaleOut();

      if (values.stage !== 'decisions') await benchIngestion({ runtime, env, dir, report }, portfolio.customers.slice(0, ingestCustomers).map((c) => c.customerId), ingestSizes);
      if (onlyIngest) return;

      const pipeline: PipelineContext = { runtime, env, dir, report, workerCount, cpuProfileDir, providerSends: () => sendgrid.accepted.length + twilio.accepted.length };
      const endToEnd = await benchEndToEnd(pipeline, batch.slice(0, e2eScores), { rate: steady.rate, scores: batch.slice(steadyStart, steadyStart + steadyCount) }, asOf);

      // Ours beside the reference design's path (sequential), on the same machine and data, round after round.
      await insertScoreHistory(runtime.pool, baselineSet);
      await prepareBaseline(runtime.pool);
      const policy = (await runtime.strategies.current(runtime.pool)).champion.policy;
      const baselinePerRound = Math.ceil(baselineSet.length / decisionRounds);
      const { ours, baseline } = await benchEvaluationBesideBaseline(pipeline, batch.slice(steadyStart - evaluationOnlyScores, steadyStart), decisionRounds, (round) =>
        runBaseline(runtime.pool, policy, baselineSet.slice(round * baselinePerRound, (round + 1) * baselinePerRound)),
      );
      const counted = { ours: ours.slice(1), baseline: baseline.slice(1) };
      const rates = { ours: counted.ours.map((r) => r.perSecond), baseline: counted.baseline.map((r) => r.perSecond) };
      const ratios = rates.ours.map((value, round) => value / rates.baseline[round]!);
      const rounded = (values: number[], digits: number) => values.map((v) => v.toFixed(digits)).join(', ');
      console.log(
        `decisions/s after a warm-up round (${ours[0]!.perSecond.toFixed(0)} against ${baseline[0]!.perSecond.toFixed(0)}), by round: evaluation-only workers ${rounded(rates.ours, 0)}; baseline ${rounded(rates.baseline, 0)}; ratio ${rounded(ratios, 2)}`,
      );
      console.log(`decisions cores used, of ${availableParallelism()} (CPU per decision): evaluation-only workers' rounds: ${coresOver(counted.ours)}; baseline's rounds: ${coresOver(counted.baseline)}`);
      report('decisions_per_s_evaluation_workers_only', median(rates.ours), 'decisions/s');
      report('baseline_decisions_per_s', median(rates.baseline), 'decisions/s');
      report('decisions_ratio_ours_to_baseline', median(ratios), 'x (goal >= 10)');
      // End to end ran minutes before: beside the baseline's median round.
      report('e2e_scores_per_s_ratio_to_baseline_decisions', endToEnd / median(rates.baseline), 'x (goal >= 2)');
      await runtime.pool.query(`drop table ${BASELINE_TABLE}`);
      if (values.stage === 'decisions') return;

      await benchWebhook(runtime, report, quick ? 4 : 8);
      await benchSnapshot(runtime, report, snapshotInterventions, quick ? 1 : 2);
      await withBenchDatabase(base.databaseUrl, (url) => benchPartitionMigration(url, report, migrationScores));
      if (runsScaleOut) await scaleOut();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await Promise.all([runtime, clusterRuntime].flatMap((r) => r?.queues.all() ?? []).map((queue) => queue.obliterate({ force: true })));
      await clusterRuntime?.close();
      await runtime.close();
      await sendgrid.close();
      await twilio.close();
    }
  });

  const summary = { quick, stage: values.stage, workers: workerCount, seconds: Math.round((Date.now() - started) / 1000), figures: Object.fromEntries(figures.map((f) => [f.name, { value: f.value, unit: f.unit }])) };
  // A single stage's run leaves the whole bench's latest results as they were.
  if (values.stage === 'all') {
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(summary, null, 2)}
`);
  }
  console.log(JSON.stringify(summary));
});

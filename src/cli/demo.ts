// npm run demo: the whole pipeline on local defaults. Migrates, loads a synthetic portfolio,
// runs web + workers in this process, sends one scoring batch through, prints a summary.
// `-- --exit` stops after the summary; otherwise it keeps serving for the URLs it prints.
// Without Redis the queues run in PostgreSQL; without PostgreSQL an embedded one stands in.
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../config.js';
import { migrate } from '../db/migrate.js';
import { insertPastInterventions, insertPayments, insertScoreHistory, upsertCustomers } from '../db/portfolio.js';
import { computeMetrics, storeSnapshot, type InterventionMetrics } from '../db/metrics.js';
import { SNAPSHOT_PERIOD_DAYS } from '../domain/metrics.js';
import { lastDays } from '../domain/metrics-filter.js';
import { summariseOutcomes, summariseScoreDate, type BatchSummary, type OutcomeSummary } from '../db/summary.js';
import { InputError, errorMessage } from '../errors.js';
import { defaultScoreDate, ingestScores } from '../ingest/ingest-scores.js';
import { readBatchRows } from '../ingest/read-batch-file.js';
import { createLogger } from '../logger.js';
import { createRuntime } from '../runtime/runtime.js';
import { startWeb } from '../web/server.js';
import { generatePastInterventions, generatePortfolio } from '../synthetic/portfolio.js';
import { eventWebhookKeys } from '../synthetic/provider-signing.js';
import { playProviderActivity, type DemoActivity } from './demo-activity.js';
import { DEMO_CHALLENGER, putDemoChallenger, strategyRows } from './demo-strategies.js';
import { describeTransports } from '../delivery/channel-transports.js';
import { startWorkers } from '../runtime/workers.js';
import { describeQueueStore } from '../queues/connection.js';
import { HOW_TO_START, postgresProblem, redisProblem } from './check-services.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';
import { runCli } from './run-cli.js';
import { onShutdown } from './shutdown.js';

const DEMO_PREFIX = 'DEMO-';

async function waitUntil(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function table(title: string, rows: (string | number)[][]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, String(cell).length)), []);
  const lines = rows.map((row) => ('  ' + row.map((cell, i) => (typeof cell === 'number' ? String(cell).padStart(widths[i]!) : String(cell).padEnd(widths[i]!))).join('  ')).trimEnd());
  return `${title}\n${lines.join('\n') || '  (none)'}`;
}

const pct = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
const pts = (value: number | null) => (value === null ? 'n/a' : `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} pts`);

function printOutcomes(outcomes: OutcomeSummary, metrics: InterventionMetrics, snapshotStored: boolean): void {
  console.log(table('\nSuppressions (never contacted again on that channel):', outcomes.suppressions.map((s) => [s.channel, s.reason, s.count])));
  console.log(table('\nCustomer responses to today\'s interventions:', outcomes.responses.map((r) => [r.response_type, r.count])));
  const h = metrics.holdout_comparison;
  console.log(`\nEffectiveness, last ${metrics.period_days} days (outcome after ${metrics.outcome_window_days} days):`);
  console.log(`  interventions ${metrics.total_interventions} (${metrics.matured_interventions} matured, ${metrics.maturing_interventions} maturing), no default ${pct(metrics.success_rate)}`);
  console.log(`  default rate treated ${pct(h.treated_default_rate)} (n=${h.treated_n}) vs holdout ${pct(h.holdout_default_rate)} (n=${h.holdout_n})`);
  console.log(`  uplift ${pts(h.absolute_uplift)}, 95% CI ${pts(h.ci_low)} to ${pts(h.ci_high)}; metrics snapshot ${snapshotStored ? 'stored' : 'not stored'}`);
}

function printStrategies(metrics: InterventionMetrics, summary: BatchSummary): void {
  const title = `\nStrategies, champion and challenger (outcomes of the last ${metrics.period_days} days; intervals clustered by customer):`;
  console.log(table(title, strategyRows(metrics, summary.strategies)));
  console.log('  uplift: the strategy\'s own holdout default rate minus its treated one; vs champion: the champion\'s default rate minus the strategy\'s');
}

function printSummary(summary: BatchSummary, scores: number, seconds: number): void {
  console.log(`\n=== Scoring batch: ${scores} scores decided and delivered in ${seconds.toFixed(1)} s ===\n`);
  console.log(table('Decisions by outcome and reason:', summary.decisions.map((d) => [d.outcome, d.reason ?? '-', d.count])));
  console.log(table('\nInterventions by type:', summary.interventions.map((i) => [i.type, i.holdout ? 'holdout (not contacted)' : 'treated', i.count])));
  console.log(table('\nDeliveries by channel and status:', summary.deliveries.map((d) => [d.channel, d.status, d.count])));
}

/**
 * The services the demo runs on: the configured ones when they answer. Otherwise it says which
 * does not answer and how to start it, in one line, and carries on without it: the queues move
 * to PostgreSQL (BullMQ's PostgreSQL backend) when Redis does not answer, and an embedded
 * PostgreSQL stands in when PostgreSQL does not.
 */
async function demoServices(config: Config): Promise<{ config: Config; stop(): Promise<void> }> {
  let services = config;
  let embedded: EmbeddedDatabase | null = null;
  const postgres = await postgresProblem(config.databaseUrl);
  if (postgres) {
    try {
      embedded = await startEmbeddedPostgres(new URL(config.databaseUrl).pathname.slice(1) || 'interventions');
    } catch (error) {
      throw new InputError(`${postgres}; ${HOW_TO_START} (${errorMessage(error)})`);
    }
    console.log(`${postgres}: this demo runs on an embedded PostgreSQL in ${embedded.dir}, deleted when it stops; for your own, ${HOW_TO_START}`);
    services = { ...services, databaseUrl: embedded.url };
  }
  if (config.queueBackend === 'redis') {
    const redis = await redisProblem(config.redisUrl);
    if (redis) {
      console.log(`${redis}: this demo's queues run in PostgreSQL (QUEUE_BACKEND=postgres); for Redis, ${HOW_TO_START}`);
      services = { ...services, queueBackend: 'postgres' };
    }
  }
  return { config: services, stop: async () => embedded?.stop() };
}

await runCli(async () => {
  const { values } = parseArgs({ options: { exit: { type: 'boolean', default: false }, customers: { type: 'string', default: '3000' } } });
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers < 10 || customers > 200_000) throw new InputError('--customers must be a whole number from 10 to 200000');
  // The demo speaks through its summary: its logs default to warnings and errors.
  const services = await demoServices(loadConfig(undefined, { LOG_LEVEL: 'warn' }));
  const loaded = services.config;
  // The demo plays the providers' webhooks itself: without configured secrets it makes a
  // SendGrid signing key and a Twilio auth token for this run (sending stays in the outbox).
  const sendgridKeys = eventWebhookKeys();
  const demoSecrets = !loaded.sendgrid.webhookPublicKey && !loaded.twilio.authToken;
  const config: Config = demoSecrets
    ? {
        ...loaded,
        sendgrid: { ...loaded.sendgrid, webhookPublicKey: sendgridKeys.publicKey },
        twilio: { ...loaded.twilio, authToken: randomBytes(16).toString('hex') },
      }
    : loaded;
  const logger = createLogger(config.logLevel, 'demo');
  const started = Date.now();

  const applied = await migrate(config.databaseUrl);
  console.log(`database ready (${applied.length} migration(s) applied)`);
  const runtime = await createRuntime(config, logger);
  console.log(describeQueueStore(runtime.queueStore));
  console.log(describeTransports(runtime.config));
  const workers = startWorkers(runtime, { clock: systemClock, logger });
  const web = await startWeb(runtime, { logger });
  const challenger = await putDemoChallenger(web.url, web.adminToken);
  console.log(
    `strategies: champion ${challenger.champion.name} and challenger ${DEMO_CHALLENGER} (flexible_payment from 0.55, SMS first), weight ${challenger.champion.weight} each: PUT /strategies/${DEMO_CHALLENGER} answered ${challenger.status}`,
  );

  const asOf = defaultScoreDate(systemClock);
  const portfolio = generatePortfolio({ customers, seed: 2026, asOf, idPrefix: DEMO_PREFIX });
  // Re-running the demo replaces its own synthetic payments; nothing else is touched.
  await runtime.pool.query("delete from payments where customer_id like 'DEMO-%'");
  await upsertCustomers(runtime.pool, portfolio.customers);
  await insertPayments(runtime.pool, portfolio.payments);
  await insertScoreHistory(runtime.pool, portfolio.history);
  console.log(`synthetic portfolio: ${portfolio.customers.length} customers, ${portfolio.payments.length} payments, ${portfolio.history.length} past scores`);

  // Ninety days of earlier outreach with known outcomes, so that the metrics have matured
  // interventions and a holdout to compare with, and a snapshot a day for the dashboard.
  const historyCustomers = generatePortfolio({ customers: customers, seed: 11, asOf, idPrefix: `${DEMO_PREFIX}H` }).customers;
  await upsertCustomers(runtime.pool, historyCustomers);
  await insertPastInterventions(
    runtime.pool,
    generatePastInterventions({
      customers: historyCustomers,
      asOf,
      days: 90,
      strategies: await runtime.strategies.current(runtime.pool),
      // Synthetic outcomes in which the challenger does a little better than the champion.
      treatedRate: 0.08,
      treatedRates: { [DEMO_CHALLENGER]: 0.06 },
      holdoutRate: 0.14,
      holdoutShare: 0.15,
    }),
  );
  for (let day = 30; day >= 1; day -= 1) {
    const at = new Date(asOf.getTime() - day * 86_400_000);
    await storeSnapshot(runtime.pool, at, await computeMetrics(runtime.pool, lastDays(SNAPSHOT_PERIOD_DAYS, at), at));
  }
  console.log(`history: ${historyCustomers.length} interventions over the last 90 days, 30 daily metrics snapshots`);

  const dir = mkdtempSync(path.join(tmpdir(), 'ie-demo-'));
  const file = path.join(dir, 'scores.jsonl');
  writeFileSync(file, portfolio.batch.map((s) => JSON.stringify({ customer_id: s.customerId, risk_score: s.riskScore, score_date: s.scoreDate.toISOString() })).join('\n'));
  const batchStarted = Date.now();
  const result = await ingestScores({ ...runtime, clock: systemClock }, readBatchRows(createReadStream(file), 'jsonl', file), { source: `demo:${file}` });
  console.log(`scoring batch ${file}: accepted ${result.accepted} (${result.alreadyIngested} already ingested earlier), rejected ${result.rejected}`);

  await waitUntil('every score decided', 120_000, async () => {
    const { rows } = await runtime.pool.query<{ n: number }>("select count(*)::int as n from decisions where score_date = $1 and customer_id like 'DEMO-%'", [asOf]);
    return (rows[0]?.n ?? 0) >= portfolio.batch.length;
  });
  // Deliveries waiting for quiet hours to end stay 'scheduled'; everything else settles now.
  await waitUntil('every delivery settled', 120_000, async () => {
    const { rows } = await runtime.pool.query<{ n: number }>(
      `select count(*)::int as n from deliveries d join interventions i using (intervention_id) join decisions x using (decision_id)
        where x.score_date = $1 and d.customer_id like 'DEMO-%' and d.status in ('pending', 'sending')`,
      [asOf],
    );
    return rows[0]?.n === 0;
  });
  const seconds = (Date.now() - batchStarted) / 1000;

  let activity: DemoActivity | null = null;
  if (demoSecrets) {
    activity = await playProviderActivity({
      pool: runtime.pool,
      webUrl: web.url,
      publicBaseUrl: config.publicBaseUrl,
      adminToken: web.adminToken,
      sendgridPrivateKeyPem: sendgridKeys.privateKeyPem,
      twilioAuthToken: config.twilio.authToken ?? '',
      customerPrefix: DEMO_PREFIX,
    });
  }
  // The scheduler's snapshot for this period was taken at start-up, before the batch; this one,
  // under its own instant, shows the run's outcome on the dashboard.
  const snapshotAt = systemClock.now();
  const stored = await storeSnapshot(runtime.pool, snapshotAt, await computeMetrics(runtime.pool, lastDays(SNAPSHOT_PERIOD_DAYS, snapshotAt), snapshotAt));
  const summary = await summariseScoreDate(runtime.pool, asOf, DEMO_PREFIX);
  printSummary(summary, portfolio.batch.length, seconds);
  if (activity) {
    console.log(`
Provider activity played through the webhooks: ${activity.emailEvents} signed SendGrid events, ${activity.smsCallbacks} Twilio status callbacks,`);
    console.log(`SMS replies ${activity.replies.map((r) => JSON.stringify(r)).join(', ')}; ${activity.tasksCompleted} agent call completed.`);
  }
  const metrics = await computeMetrics(runtime.pool, lastDays(SNAPSHOT_PERIOD_DAYS, snapshotAt), snapshotAt);
  printOutcomes(await summariseOutcomes(runtime.pool, asOf, DEMO_PREFIX, runtime.addressKey), metrics, stored);
  printStrategies(metrics, summary);

  console.log(`\nDashboard:   ${web.url}/dashboard      (user admin, password ${web.adminToken})`);
  console.log(`Bull Board:  ${web.url}/admin/queues   (same credentials)`);
  console.log(`API:         ${web.url}  (Authorization: Bearer ${web.adminToken})`);
  console.log(`try:         curl -s -X POST -H 'Authorization: Bearer ${web.adminToken}' ${web.url}/trigger_intervention/${portfolio.customers[0]!.customerId}`);
  console.log(`demo took ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const shutdown = async () => {
    await web.close();
    await workers.close();
    await runtime.close();
    await services.stop();
  };
  if (values.exit) {
    await shutdown();
    return 0;
  }
  console.log('\nserving; press Ctrl-C to stop');
  onShutdown(logger, shutdown);
  await new Promise(() => undefined);
});

// npm run demo: the whole pipeline on local defaults. Migrates, loads a synthetic portfolio,
// runs web + workers in this process, sends one scoring batch through, prints a summary.
// `-- --exit` stops after the summary; otherwise it keeps serving for the URLs it prints.
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { insertPayments, insertScoreHistory, upsertCustomers } from '../db/portfolio.js';
import { summariseScoreDate, type BatchSummary } from '../db/summary.js';
import { InputError } from '../errors.js';
import { defaultScoreDate, ingestScores } from '../ingest/ingest-scores.js';
import { readBatchRows } from '../ingest/read-batch-file.js';
import { createLogger } from '../logger.js';
import { createRuntime } from '../runtime.js';
import { startWeb } from '../server.js';
import { generatePortfolio } from '../synthetic/portfolio.js';
import { describeTransports, startWorkers, workerPoolSize } from '../workers.js';
import { checkServices } from './check-services.js';
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
  const lines = rows.map((row) => '  ' + row.map((cell, i) => (typeof cell === 'number' ? String(cell).padStart(widths[i]!) : String(cell).padEnd(widths[i]!))).join('  '));
  return `${title}\n${lines.join('\n') || '  (none)'}`;
}

function printSummary(summary: BatchSummary, scores: number, seconds: number): void {
  console.log(`\n=== Scoring batch: ${scores} scores decided and delivered in ${seconds.toFixed(1)} s ===\n`);
  console.log(table('Decisions by outcome and reason:', summary.decisions.map((d) => [d.outcome, d.reason ?? '-', d.count])));
  console.log(table('\nInterventions by type:', summary.interventions.map((i) => [i.type, i.holdout ? 'holdout (not contacted)' : 'treated', i.count])));
  console.log(table('\nDeliveries by channel and status:', summary.deliveries.map((d) => [d.channel, d.status, d.count])));
}

await runCli(async () => {
  const { values } = parseArgs({ options: { exit: { type: 'boolean', default: false }, customers: { type: 'string', default: '3000' } } });
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers < 10 || customers > 200_000) throw new InputError('--customers must be a whole number from 10 to 200000');
  const config = loadConfig();
  await checkServices(config);
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'demo');
  const started = Date.now();

  const applied = await migrate(config.databaseUrl);
  console.log(`database ready (${applied.length} migration(s) applied)`);
  const runtime = await createRuntime(config, { poolSize: workerPoolSize(config.evaluateConcurrency) + 4 });
  console.log(describeTransports(runtime));
  const workers = startWorkers(runtime, { clock: systemClock, logger });
  const web = await startWeb(runtime, { logger });

  const asOf = defaultScoreDate(systemClock);
  const portfolio = generatePortfolio({ customers, seed: 2026, asOf, idPrefix: DEMO_PREFIX });
  // Re-running the demo replaces its own synthetic payments; nothing else is touched.
  await runtime.pool.query("delete from payments where customer_id like 'DEMO-%'");
  await upsertCustomers(runtime.pool, portfolio.customers);
  await insertPayments(runtime.pool, portfolio.payments);
  await insertScoreHistory(runtime.pool, portfolio.history);
  console.log(`synthetic portfolio: ${portfolio.customers.length} customers, ${portfolio.payments.length} payments, ${portfolio.history.length} past scores`);

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
  printSummary(await summariseScoreDate(runtime.pool, asOf, DEMO_PREFIX), portfolio.batch.length, (Date.now() - batchStarted) / 1000);

  console.log(`\nAPI:         ${web.url}  (Authorization: Bearer ${web.adminToken})`);
  console.log(`try:         curl -s -X POST -H 'Authorization: Bearer ${web.adminToken}' ${web.url}/trigger_intervention/${portfolio.customers[0]!.customerId}`);
  console.log(`demo took ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const shutdown = async () => {
    await web.close();
    await workers.close();
    await runtime.close();
  };
  if (values.exit) {
    await shutdown();
    return 0;
  }
  console.log('\nserving; press Ctrl-C to stop');
  onShutdown(logger, shutdown);
  await new Promise(() => undefined);
});

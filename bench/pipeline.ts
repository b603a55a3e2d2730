// The pipeline through worker processes: a batch file end to end to the fake providers, latency
// from enqueue to decision at a steady rate, and decisions/s with evaluation-only workers.
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { systemClock } from '../src/clock.js';
import { ingestScores } from '../src/ingest/ingest-scores.js';
import { readBatchRows } from '../src/ingest/read-batch-file.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { coresBetween, count, CPU_GROUPS, cpuTicks, type CpuGroup, ingestRows, quantile, sleep, startWorkerProcesses, stopProcesses, waitForDecisions, waitUntil, writeLines, type Report } from './support.js';

export interface PipelineContext {
  runtime: Runtime;
  env: NodeJS.ProcessEnv;
  dir: string;
  report: Report;
  workerCount: number;
  cpuProfileDir: string | undefined;
  /** how many sends the fake providers accepted so far */
  providerSends(): number;
}

type Score = { customerId: string; riskScore: number; scoreDate: Date };

/** End to end, then the steady-rate latency, with the same worker processes. Returns end-to-end scores/s. */
export async function benchEndToEnd(context: PipelineContext, scores: readonly Score[], steady: { rate: number; scores: readonly Score[] }, asOf: Date): Promise<number> {
  const { runtime, report } = context;
  const file = path.join(context.dir, 'e2e.jsonl');
  await writeLines(file, scores.map((s) => JSON.stringify({ customer_id: s.customerId, risk_score: s.riskScore, score_date: s.scoreDate.toISOString() })));
  const workers = startWorkerProcesses(context.workerCount, context.env, context.cpuProfileDir);
  try {
    await sleep(3_000); // workers up and connected
    const workerPids = new Set(workers.flatMap((worker) => (worker.pid === undefined ? [] : [worker.pid])));
    const cpuBefore = cpuTicks(workerPids);
    const t0 = performance.now();
    await ingestScores({ ...runtime, clock: systemClock }, readBatchRows(createReadStream(file), 'jsonl', file), { source: 'bench:e2e' });
    await waitForDecisions(runtime, 'every score decided', scores.length, () => count(runtime.pool, 'select 1 from decisions where score_date = $1', [asOf]));
    const decidedAt = performance.now();
    // Deliveries settle through their queues: wait until no evaluation or delivery job is left
    // (the queues' counts in Redis), then check once in the database that no delivery is open.
    // Asking the database every 100 ms took a tenth of PostgreSQL's time during the run.
    await waitUntil('every delivery settled', 600_000, async () => (await openJobs(runtime)) === 0 && (await count(runtime.pool, "select 1 from deliveries where status in ('pending', 'sending', 'scheduled') limit 1")) === 0);
    const deliveredAt = performance.now();
    // What the machine spent meanwhile, by process (the bench's own share includes the fake providers).
    const cores = coresBetween(cpuBefore, cpuTicks(workerPids), (deliveredAt - t0) / 1000);
    console.log(`e2e cores used, of ${availableParallelism()}: ${Object.entries(cores).map(([group, used]) => `${group} ${used.toFixed(2)}`).join(', ')}`);
    const sent = await count(runtime.pool, "select 1 from deliveries where provider in ('sendgrid', 'twilio') and status = 'sent'");
    if (sent !== context.providerSends()) throw new Error(`bench: ${sent} sends recorded, ${context.providerSends()} at the fakes`);
    report('decisions_per_s', scores.length / ((decidedAt - t0) / 1000), 'decisions/s');
    report(`e2e_${scores.length}_scores_seconds`, (deliveredAt - t0) / 1000, 's');
    report('e2e_scores_per_s', scores.length / ((deliveredAt - t0) / 1000), 'scores/s');
    report('e2e_deliveries', await count(runtime.pool, 'select 1 from deliveries'), 'deliveries');
    report('e2e_provider_sends', sent, 'sends');
    await benchSteadyLatency(runtime, report, steady);
    return scores.length / ((deliveredAt - t0) / 1000);
  } finally {
    await stopProcesses(workers);
  }
}

/** Jobs of the evaluation and delivery queues not yet done: waiting, running or delayed (a retry, quiet hours). */
async function openJobs(runtime: Runtime): Promise<number> {
  const queues = [runtime.queues.evaluate, ...Object.values(runtime.queues.deliveries)];
  const counts = await Promise.all(queues.map((queue) => queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')));
  return counts.reduce((sum, byState) => sum + Object.values(byState).reduce((a, b) => a + b, 0), 0);
}

/** Latency from enqueue to decision with scores arriving at a steady rate, in ticks of 100 ms. */
async function benchSteadyLatency(runtime: Runtime, report: Report, steady: { rate: number; scores: readonly Score[] }): Promise<void> {
  const enqueuedAt = new Map<string, number>();
  const perTick = steady.rate / 10;
  const tickStart = Date.now();
  for (let tick = 0; tick * perTick < steady.scores.length; tick += 1) {
    const rows = steady.scores.slice(tick * perTick, (tick + 1) * perTick);
    const at = Date.now();
    for (const row of rows) enqueuedAt.set(row.customerId, at);
    await ingestRows(runtime, rows, 'bench:steady');
    await sleep(Math.max(0, tickStart + (tick + 1) * 100 - Date.now()));
  }
  const ids = [...enqueuedAt.keys()];
  await waitForDecisions(runtime, 'steady-rate scores decided', ids.length, () => count(runtime.pool, 'select 1 from decisions where customer_id = any($1)', [ids]));
  const { rows } = await runtime.pool.query<{ customer_id: string; decided_at: Date }>('select customer_id, decided_at from decisions where customer_id = any($1)', [ids]);
  const latencies = rows.map((r) => r.decided_at.getTime() - (enqueuedAt.get(r.customer_id) ?? 0)).sort((a, b) => a - b);
  report(`latency_p50_at_${steady.rate}_per_s`, quantile(latencies, 0.5), 'ms');
  report(`latency_p99_at_${steady.rate}_per_s`, quantile(latencies, 0.99), 'ms');
}

/** One round of deciding: its rate, and the cores each group of processes used meanwhile. */
export interface DecisionRound {
  perSecond: number;
  seconds: number;
  cores: Record<CpuGroup, number>;
}

/**
 * Decisions alone, beside the baseline: worker processes working only the evaluate-customer
 * queue (WORKER_QUEUES), as the baseline does nothing but decide, in rounds that alternate with
 * the baseline's (`baselineRound`, which returns how many it decided), so that both meet the
 * machine in the same minutes: its speed moves within the hour, and one of each, in two runs of
 * the same code minutes apart, gave 11.7x and 7.0x.
 */
export async function benchEvaluationBesideBaseline(
  context: PipelineContext,
  scores: readonly Score[],
  rounds: number,
  baselineRound: (round: number) => Promise<number>,
): Promise<{ ours: DecisionRound[]; baseline: DecisionRound[] }> {
  const { runtime } = context;
  const evaluators = startWorkerProcesses(context.workerCount, { ...context.env, WORKER_QUEUES: 'evaluate-customer' }, context.cpuProfileDir);
  const workerPids = new Set(evaluators.flatMap((worker) => (worker.pid === undefined ? [] : [worker.pid])));
  const measured = async (work: () => Promise<number>): Promise<DecisionRound> => {
    const before = cpuTicks(workerPids);
    const t0 = performance.now();
    const decided = await work();
    const seconds = (performance.now() - t0) / 1000;
    return { perSecond: decided / seconds, seconds, cores: coresBetween(before, cpuTicks(workerPids), seconds) };
  };
  const perRound = Math.ceil(scores.length / rounds);
  const ours: DecisionRound[] = [];
  const baseline: DecisionRound[] = [];
  try {
    await sleep(3_000);
    for (let round = 0; round < rounds; round += 1) {
      const roundScores = scores.slice(round * perRound, (round + 1) * perRound);
      ours.push(
        await measured(async () => {
          await ingestRows(runtime, roundScores, 'bench:evaluation-only');
          const ids = roundScores.map((s) => s.customerId);
          await waitForDecisions(runtime, 'evaluation-only scores decided', ids.length, () => count(runtime.pool, 'select 1 from decisions where customer_id = any($1)', [ids]));
          return ids.length;
        }),
      );
      // The idle workers wait on Redis meanwhile: about 0.02 of a core between them.
      baseline.push(await measured(() => baselineRound(round)));
    }
    return { ours, baseline };
  } finally {
    await stopProcesses(evaluators);
  }
}

/**
 * The cores each group used over some rounds, weighted by their length, and its CPU per decision:
 * 'postgres 0.52 (104 µs), redis 0.03 (6 µs), …'. CPU per decision moves less with the machine's
 * speed than decisions/s: it tells a change's effect apart in fewer runs.
 */
export function coresOver(rounds: readonly DecisionRound[]): string {
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
  const decided = rounds.reduce((sum, r) => sum + r.perSecond * r.seconds, 0);
  return CPU_GROUPS.map((group) => {
    const cpuSeconds = rounds.reduce((sum, r) => sum + r.cores[group] * r.seconds, 0);
    return `${group} ${(cpuSeconds / seconds).toFixed(2)} (${((cpuSeconds / decided) * 1e6).toFixed(0)} µs)`;
  }).join(', ');
}

// Decisions/s as evaluation-only worker processes are added (1, 2, 4), on a single Redis and on
// a Redis Cluster, in one run and on the same data; and what the machine spends meanwhile: CPU
// by process (PostgreSQL, Redis, the workers, the bench itself) from /proc, and what PostgreSQL's
// sessions are doing (pg_stat_activity sampled every 100 ms: active on CPU, active waiting on a
// lock or on I/O, idle in a transaction for the worker's next statement, or idle in the pool).
import { availableParallelism } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import type { Pool } from '../src/db/pool.js';
import type { Runtime } from '../src/runtime/runtime.js';
import { coresBetween, count, cpuTicks, CPU_GROUPS, ingestRows, sleep, startWorkerProcesses, stopProcesses, waitForDecisions, waitUntil, type CpuGroup, type Report } from './support.js';

type Score = { customerId: string; riskScore: number; scoreDate: Date };

export interface ScaleOutTarget {
  /** 'single' or 'cluster' */
  name: string;
  runtime: Runtime;
  env: NodeJS.ProcessEnv;
}

export interface ScaleOutRow {
  redis: string;
  workers: number;
  decisionsPerS: number;
  /** cores used on average during the round, by process group */
  cores: Record<CpuGroup, number>;
  /** PostgreSQL sessions of the bench's database, by what they were doing, averaged over the samples */
  sessions: Record<string, number>;
}

/** Samples pg_stat_activity until stopped: per sample, the bench database's sessions by wait event (or 'CPU' when active and not waiting). */
function samplePostgres(pool: Pool): { stop(): Promise<Record<string, number>> } {
  const totals = new Map<string, number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await pool.query<{ what: string; n: number }>(
        `select case when state <> 'active' then coalesce(state, 'unknown')
                     when wait_event is null then 'CPU'
                     else wait_event_type || ':' || wait_event end as what, count(*)::int as n
           from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
          group by 1`,
      );
      samples += 1;
      for (const row of rows) totals.set(row.what, (totals.get(row.what) ?? 0) + row.n);
      await sleep(100);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return Object.fromEntries([...totals].sort((a, b) => b[1] - a[1]).map(([what, n]) => [what, Math.round((n / Math.max(1, samples)) * 10) / 10]));
    },
  };
}

/** Waits until the worker processes are working the evaluate queue (BullMQ names their connections). */
async function workersReady(runtime: Runtime, children: ChildProcess[]): Promise<void> {
  await waitUntil(`${children.length} evaluate workers connected`, 120_000, async () => {
    const exited = children.find((child) => child.exitCode !== null);
    if (exited) throw new Error(`bench: a worker process exited with ${exited.exitCode} before it started`);
    // one connection a worker, named after its queue
    return (await runtime.queues.evaluate.getWorkersCount()) >= children.length;
  });
}

/**
 * One round per (Redis, worker processes): start evaluation-only workers, wait until they are
 * connected, store and enqueue a fresh slice of scores, and time until every one is decided.
 */
export async function benchScaleOut(targets: ScaleOutTarget[], scores: readonly Score[], workerCounts: readonly number[], report: Report): Promise<ScaleOutRow[]> {
  const perRound = Math.floor(scores.length / (targets.length * workerCounts.length));
  const rows: ScaleOutRow[] = [];
  let round = 0;
  for (const target of targets) {
    for (const workers of workerCounts) {
      const slice = scores.slice(round * perRound, (round + 1) * perRound);
      round += 1;
      const children = startWorkerProcesses(workers, { ...target.env, WORKER_QUEUES: 'evaluate-customer' }, undefined);
      try {
        await workersReady(target.runtime, children);
        const pids = new Set(children.map((child) => child.pid ?? -1));
        const sessions = samplePostgres(target.runtime.pool);
        const cpuBefore = cpuTicks(pids);
        const t0 = performance.now();
        await ingestRows(target.runtime, slice, `bench:scale-out:${target.name}:${workers}`);
        const ids = slice.map((s) => s.customerId);
        await waitForDecisions(target.runtime, `scale-out ${target.name} ${workers} workers`, ids.length, () =>
          count(target.runtime.pool, 'select 1 from decisions where customer_id = any($1)', [ids]),
        );
        const seconds = (performance.now() - t0) / 1000;
        const cores = coresBetween(cpuBefore, cpuTicks(pids), seconds);
        const row = { redis: target.name, workers, decisionsPerS: slice.length / seconds, cores, sessions: await sessions.stop() };
        rows.push(row);
        report(`decisions_per_s_${target.name}_redis_${workers}_workers`, row.decisionsPerS, 'decisions/s');
      } finally {
        await stopProcesses(children);
      }
    }
  }
  return rows;
}

/** The table the bench prints: one line per round. */
export function scaleOutTable(rows: readonly ScaleOutRow[], scoresPerRound: number): string {
  const round = (n: number) => (Math.round(n * 100) / 100).toFixed(2);
  const lines = [
    `decisions/s by evaluation-only worker processes (${scoresPerRound} scores a round); cores used during the round; PostgreSQL sessions by state (average over 100 ms samples)`,
    `| Redis | workers | decisions/s | postgres cores | redis cores | worker cores | bench cores | other cores | all, of ${availableParallelism()} | PostgreSQL sessions |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const sessions = Object.entries(row.sessions)
      .map(([what, n]) => `${what} ${n}`)
      .join(', ');
    lines.push(
      `| ${row.redis} | ${row.workers} | ${Math.round(row.decisionsPerS)} | ${round(row.cores.postgres)} | ${round(row.cores.redis)} | ${round(row.cores.workers)} | ${round(row.cores.bench)} | ${round(row.cores.other)} | ${round(CPU_GROUPS.reduce((sum, group) => sum + row.cores[group], 0))} | ${sessions} |`,
    );
  }
  return lines.join('\n');
}

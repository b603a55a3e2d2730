// What every bench stage shares: figures, counting and waiting, batch files, child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { systemClock } from '../src/clock.js';
import { ingestScores } from '../src/ingest/ingest-scores.js';
import type { Runtime } from '../src/runtime/runtime.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DAY = 86_400_000;

export interface Figure {
  name: string;
  value: number;
  unit: string;
}

/** Prints one figure as `name value unit` and keeps it for the summary. */
export type Report = (name: string, value: number, unit: string) => void;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** The middle value (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Runs `use` on a database of its own on the server of DATABASE_URL, dropped afterwards. */
export async function withBenchDatabase<T>(databaseUrl: string, use: (url: string) => Promise<T>): Promise<T> {
  const name = `ie_bench_${randomBytes(4).toString('hex')}`;
  const serverUrl = new URL(databaseUrl);
  serverUrl.pathname = '/postgres';
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  await admin(`create database ${name}`);
  try {
    return await use(url.toString());
  } finally {
    await admin(`drop database if exists ${name} with (force)`);
  }
}

export async function count(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from (${sql}) q`, params);
  return rows[0]?.n ?? 0;
}

export async function waitUntil(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
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
export async function waitForDecisions(runtime: Runtime, what: string, expected: number, countDecided: () => Promise<number>): Promise<void> {
  await waitUntil(what, 600_000, async () => (await runtime.queues.evaluate.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) === 0);
  const decided = await countDecided();
  if (decided < expected) throw new Error(`bench: ${what}: ${decided} of ${expected} scores decided (see the evaluate queue's failed jobs)`);
}

export function writeLines(file: string, rows: Iterable<string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(file);
    out.on('error', reject);
    for (const row of rows) out.write(`${row}\n`);
    out.end(resolve);
  });
}

/** Runs a TypeScript script of the project in a process of its own; resolves with its stdout. */
export function runChild(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited with ${code}`))));
  });
}

/** Stores scores as an ingestion does (and enqueues their evaluations). */
export async function ingestRows(runtime: Runtime, rows: readonly { customerId: string; riskScore: number; scoreDate: Date }[], source: string): Promise<void> {
  await ingestScores({ ...runtime, clock: systemClock }, (async function* () {
    for (const [i, row] of rows.entries()) yield { line: i, raw: { customer_id: row.customerId, risk_score: row.riskScore, score_date: row.scoreDate.toISOString() } };
  })(), { source });
}

/**
 * The Node flags `npm run worker` gives a worker process (package.json), so that the bench
 * measures workers as they run: those written `--name=value`, which tsx hands on to Node.
 */
export const WORKER_NODE_FLAGS = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { worker: string } }).scripts.worker
  .split(/\s+/)
  .filter((arg) => /^--[\w-]+=\S+$/.test(arg));

/** Worker processes; with `cpuProfileDir`, each writes a V8 CPU profile there when it stops. */
export function startWorkerProcesses(n: number, env: NodeJS.ProcessEnv, cpuProfileDir: string | undefined): ChildProcess[] {
  const profile = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [];
  return Array.from({ length: n }, () =>
    spawn(process.execPath, [...WORKER_NODE_FLAGS, ...profile, '--import', 'tsx', path.join(ROOT, 'src/cli/worker.ts')], { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] }),
  );
}

export async function stopProcesses(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

export type CpuGroup = 'postgres' | 'redis' | 'workers' | 'bench' | 'other';
export const CPU_GROUPS: CpuGroup[] = ['postgres', 'redis', 'workers', 'bench', 'other'];
const TICKS_PER_S = 100; // USER_HZ on Linux

/** CPU ticks used so far by every process, grouped; processes that ended meanwhile are not counted. */
export function cpuTicks(workerPids: Set<number>): Map<number, { group: CpuGroup; ticks: number }> {
  const ticks = new Map<number, { group: CpuGroup; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const used = Number(fields[11]) + Number(fields[12]); // utime + stime
      const group: CpuGroup = workerPids.has(pid) ? 'workers' : pid === process.pid ? 'bench' : comm.startsWith('postgres') ? 'postgres' : comm.startsWith('redis') ? 'redis' : 'other';
      ticks.set(pid, { group, ticks: used });
    } catch {
      // the process ended between the listing and the read
    }
  }
  return ticks;
}

export function coresBetween(before: ReturnType<typeof cpuTicks>, after: ReturnType<typeof cpuTicks>, seconds: number): Record<CpuGroup, number> {
  const cores = Object.fromEntries(CPU_GROUPS.map((group) => [group, 0])) as Record<CpuGroup, number>;
  for (const [pid, now] of after) cores[now.group] += (now.ticks - (before.get(pid)?.ticks ?? 0)) / TICKS_PER_S / seconds;
  return cores;
}

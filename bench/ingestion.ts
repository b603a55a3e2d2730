// Ingestion: a CSV batch file streamed into risk_scores by `npm run enqueue`'s path, in a process
// of its own so that its peak RSS is the ingestion's alone; rows/s and peak RSS at each size.
// Beside it, the machine's limit measured in the same run: a plain COPY of the same file into a
// table with no index, no constraint and no queue to feed.
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Runtime } from '../src/runtime/runtime.js';
import { DAY, runChild, writeLines, type Report } from './support.js';

const COPY_TABLE = 'bench_copy_reference';

/** Seconds a plain COPY of `file` (CSV with a header) takes into an unindexed table. */
async function copySeconds(runtime: Runtime, file: string): Promise<number> {
  await runtime.pool.query(`drop table if exists ${COPY_TABLE}`);
  await runtime.pool.query(`create table ${COPY_TABLE} (customer_id text, risk_score numeric, score_date timestamptz)`);
  const client = await runtime.pool.connect();
  try {
    const started = performance.now();
    await pipeline(createReadStream(file), client.query(copyFrom(`copy ${COPY_TABLE} from stdin with (format csv, header true)`)));
    return (performance.now() - started) / 1000;
  } finally {
    client.release();
    await runtime.pool.query(`drop table ${COPY_TABLE}`);
  }
}

export async function benchIngestion(
  context: { runtime: Runtime; env: NodeJS.ProcessEnv; dir: string; report: Report },
  customerIds: readonly string[],
  sizes: readonly number[],
): Promise<void> {
  const { runtime, report } = context;
  const peakRss: number[] = [];
  for (const size of sizes) {
    const file = path.join(context.dir, `ingest-${size}.csv`);
    await writeLines(
      file,
      (function* () {
        yield 'customer_id,risk_score,score_date';
        for (let n = 0; n < size; n += 1) {
          const day = Math.floor(n / customerIds.length);
          yield `${customerIds[n % customerIds.length]},${((n * 7919) % 1000) / 1000},${new Date(Date.UTC(2024, 0, 1) + day * DAY).toISOString()}`;
        }
      })(),
    );
    const copyRate = size / (await copySeconds(runtime, file));
    const result = JSON.parse(await runChild('bench/ingest-child.ts', [file], context.env)) as { rows: number; seconds: number; maxRssMb: number; cores: Record<string, number> };
    if (result.rows !== size) throw new Error(`bench: ingestion accepted ${result.rows} of ${size} rows`);
    const rate = size / result.seconds;
    console.log(`ingest_${size} cores used, of ${availableParallelism()}: ${Object.entries(result.cores).map(([group, used]) => `${group} ${used.toFixed(2)}`).join(', ')}`);
    report(`ingest_${size}_rows_per_s`, rate, 'rows/s');
    report(`ingest_${size}_copy_reference_rows_per_s`, copyRate, 'rows/s');
    report(`ingest_${size}_ratio_to_copy`, rate / copyRate, 'x (goal >= 0.25)');
    report(`ingest_${size}_peak_rss`, result.maxRssMb, 'MB');
    peakRss.push(result.maxRssMb);
    await runtime.queues.evaluate.obliterate({ force: true });
    await runtime.pool.query("delete from risk_scores where score_date < '2025-01-01'");
  }
  if (sizes.length > 1) report(`ingest_peak_rss_ratio_${sizes.at(-1)}_to_${sizes[0]}`, peakRss.at(-1)! / peakRss[0]!, 'x (goal <= 1.2)');
  // A million deleted rows would otherwise be vacuumed in the middle of the end-to-end run;
  // a lender's database meets its nightly batch vacuumed and analysed.
  await runtime.pool.query('vacuum analyze risk_scores');
  await runtime.pool.query('analyze customers; analyze payments');
}

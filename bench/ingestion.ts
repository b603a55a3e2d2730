// Ingestion: a batch file streamed into risk_scores by `npm run enqueue`'s path, in a process of
// its own so that its peak RSS is the ingestion's alone; rows/s and peak RSS at each size.
import path from 'node:path';
import type { Runtime } from '../src/runtime/runtime.js';
import { DAY, runChild, writeJsonl, type Report } from './support.js';

export async function benchIngestion(
  context: { runtime: Runtime; env: NodeJS.ProcessEnv; dir: string; report: Report },
  customerIds: readonly string[],
  sizes: readonly number[],
): Promise<void> {
  const { runtime, report } = context;
  for (const size of sizes) {
    const file = path.join(context.dir, `ingest-${size}.jsonl`);
    await writeJsonl(
      file,
      (function* () {
        for (let n = 0; n < size; n += 1) {
          const day = Math.floor(n / customerIds.length);
          yield JSON.stringify({ customer_id: customerIds[n % customerIds.length], risk_score: ((n * 7919) % 1000) / 1000, score_date: new Date(Date.UTC(2024, 0, 1) + day * DAY).toISOString() });
        }
      })(),
    );
    const result = JSON.parse(await runChild('bench/ingest-child.ts', [file], context.env)) as { rows: number; seconds: number; maxRssMb: number };
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
}

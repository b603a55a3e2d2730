// npm run enqueue -- FILE: ingests a scoring batch file (CSV or JSONL; '-' for stdin).
// Bad rows go to FILE.rejects.jsonl with their line and reason; the good ones are ingested.
import { parseArgs } from 'node:util';
import { createReadStream, createWriteStream, rmSync, statSync, type WriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { createPool } from '../db/pool.js';
import { InputError, errorMessage } from '../errors.js';
import { ingestScores, type Rejection } from '../ingest/ingest-scores.js';
import { createLogger } from '../logger.js';
import { formatOf, readBatchRows, type BatchFormat } from '../ingest/read-batch-file.js';
import { openQueueStore } from '../queues/connection.js';
import { createQueues } from '../queues/queues.js';
import { checkServices } from './check-services.js';
import { startProgress } from './progress.js';
import { runCli } from './run-cli.js';
import { limitOldGenerationGrowth } from './streaming-heap.js';

const USAGE = 'usage: npm run enqueue -- FILE (.csv or .jsonl; - for stdin with --format csv|jsonl)';

await runCli(async () => {
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { format: { type: 'string' } } });
  } catch (error) {
    throw new InputError(`${errorMessage(error)}; ${USAGE}`);
  }
  const file = args.positionals[0];
  if (!file || args.positionals.length > 1) throw new InputError(USAGE);
  const format: BatchFormat = args.values.format
    ? args.values.format === 'csv' || args.values.format === 'jsonl'
      ? args.values.format
      : (() => { throw new InputError(`--format must be csv or jsonl (got '${args.values.format}')`); })()
    : file === '-'
      ? (() => { throw new InputError('reading stdin needs --format csv or --format jsonl'); })()
      : formatOf(file);

  let size: number | null = null;
  if (file !== '-') {
    try {
      const stat = statSync(file);
      if (!stat.isFile()) throw new InputError(`${file}: not a file`);
      size = stat.size;
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const config = loadConfig();
  await checkServices(config);
  const input = file === '-' ? process.stdin : createReadStream(file);
  const rejectsPath = `${file === '-' ? 'stdin' : file}.rejects.jsonl`;
  let rejects: WriteStream | null = null;
  const onReject = (rejection: Rejection) => {
    rejects ??= createWriteStream(rejectsPath);
    rejects.write(`${JSON.stringify({ file: file === '-' ? 'stdin' : file, ...rejection })}\n`);
  };

  // Log lines (a dropped connection) go to stderr, beside the progress bar, not into stdout's summary.
  const pool = createPool(config.databaseUrl, 4, createLogger(config.logLevel, 'enqueue', process.stderr));
  const queueStore = await openQueueStore({ backend: config.queueBackend, redisUrl: config.redisUrl, databaseUrl: config.databaseUrl });
  const queues = createQueues(queueStore.connection(), config.queuePrefix);
  // Counts bytes for the progress bar as they pass; a 'data' listener would start the flow
  // before the parser is attached and lose rows.
  let bytesRead = 0;
  const counted = input.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytesRead += chunk.length;
        done(null, chunk);
      },
    }),
  );
  const progress = startProgress({ totalBytes: size, label: file === '-' ? 'stdin' : file });
  limitOldGenerationGrowth();
  try {
    const result = await ingestScores({ pool, queues, clock: systemClock }, readBatchRows(counted, format, file), {
      source: file === '-' ? 'stdin' : `file:${file}`,
      onReject,
      onProgress: (rows) => progress.update(rows, bytesRead),
    });
    progress.stop(bytesRead);
    if (rejects) {
      (rejects as WriteStream).end();
      await finished(rejects);
    } else rmSync(rejectsPath, { force: true }); // a stale file from an earlier run would mislead

    const again = result.alreadyIngested ? ` (${result.alreadyIngested} already ingested by an earlier batch)` : '';
    console.log(`batch ${result.batchId}: accepted ${result.accepted}${again}, rejected ${result.rejected}; enqueued ${result.accepted} evaluations`);
    if (result.rejected) console.log(`rejected rows: ${rejectsPath}`);
    if (result.accepted === 0) {
      console.error(`error: ${file === '-' ? 'stdin' : file}: no row could be ingested`);
      return 1;
    }
    return 0;
  } finally {
    progress.stop(bytesRead);
    await queues.close();
    await queueStore.close();
    await pool.end();
  }
});

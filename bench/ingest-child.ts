// Ingests one batch file in a process of its own, as `npm run enqueue` does (its old generation
// held down alike), so that its peak RSS is the ingestion's alone.
// Prints one JSON line: rows, seconds, peak RSS.
import { createReadStream } from 'node:fs';
import { limitOldGenerationGrowth } from '../src/cli/streaming-heap.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { ingestScores } from '../src/ingest/ingest-scores.js';
import { formatOf, readBatchRows } from '../src/ingest/read-batch-file.js';
import { createLogger } from '../src/logger.js';
import { openQueueStore } from '../src/queues/connection.js';
import { createQueues } from '../src/queues/queues.js';
import { coresBetween, cpuTicks } from './support.js';

const file = process.argv[2];
if (!file) throw new Error('usage: ingest-child FILE');
const config = loadConfig();
const pool = createPool(config.databaseUrl, 4, createLogger(config.logLevel, 'bench-ingest', process.stderr));
const queueStore = await openQueueStore({ backend: config.queueBackend, redisUrl: config.redisUrl, databaseUrl: config.databaseUrl });
const queues = createQueues(queueStore.connection(), config.queuePrefix);
limitOldGenerationGrowth();
const ticksBefore = cpuTicks(new Set());
const started = performance.now();
const result = await ingestScores({ pool, queues, clock: systemClock }, readBatchRows(createReadStream(file), formatOf(file), file), { source: `bench:${file}` });
const seconds = (performance.now() - started) / 1000;
// Read before the pool ends, while PostgreSQL's sessions still exist.
const { bench: ingestion, ...others } = coresBetween(ticksBefore, cpuTicks(new Set()), seconds);
console.log(JSON.stringify({ rows: result.accepted, rejected: result.rejected, seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, cores: { ingestion, ...others } }));
await queues.close();
await queueStore.close();
await pool.end();

// The one way scores enter the engine (CLI, HTTP and library alike): validate each row,
// store the batch in chunks, enqueue one evaluation per stored score. Bad rows are reported,
// never fatal; memory stays constant whatever the batch size.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { createScoreBatch, finishScoreBatch, findKnownCustomers, insertScores, scoreKey } from '../db/scores.js';
import type { Pool } from '../db/pool.js';
import { enqueueEvaluations, type Queues } from '../queues/queues.js';
import type { SourceRow } from './read-batch-file.js';
import { parseScoreRow, type ScoreRow } from './score-row.js';

export interface Rejection {
  /** line number in a file, or index in an HTTP array */
  line: number;
  error: string;
}

export interface IngestResult {
  batchId: string;
  /** rows stored now, or already stored identically by an earlier batch; each is evaluated */
  accepted: number;
  /** of accepted: rows an earlier batch had already stored (a re-sent batch) */
  alreadyIngested: number;
  rejected: number;
}

export interface IngestOptions {
  source: string;
  chunkSize?: number;
  onReject?: (rejection: Rejection) => void;
  onProgress?: (rowsRead: number) => void;
}

/** A missing score_date means "today's score": midnight UTC, so a same-day re-run is harmless. */
export function defaultScoreDate(clock: Clock): Date {
  const now = clock.now();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export async function ingestScores(
  deps: { pool: Pool; queues: Queues; clock: Clock },
  rows: AsyncIterable<SourceRow>,
  options: IngestOptions,
): Promise<IngestResult> {
  const batchId = randomUUID();
  const chunkSize = options.chunkSize ?? 2_000;
  const fallbackDate = defaultScoreDate(deps.clock);
  const result: IngestResult = { batchId, accepted: 0, alreadyIngested: 0, rejected: 0 };
  // Rejections are held per chunk and reported in line order when the chunk is flushed.
  let rejections: Rejection[] = [];
  const reject = (line: number, error: string) => {
    result.rejected += 1;
    rejections.push({ line, error });
  };
  const reportRejections = () => {
    for (const rejection of rejections.sort((a, b) => a.line - b.line)) options.onReject?.(rejection);
    rejections = [];
  };
  await createScoreBatch(deps.pool, batchId, options.source);

  let chunk: { line: number; row: ScoreRow }[] = [];
  let read = 0;
  const flush = async () => {
    if (chunk.length === 0) return reportRejections();
    const pending = chunk;
    chunk = [];
    const known = await findKnownCustomers(deps.pool, [...new Set(pending.map((p) => p.row.customerId))]);
    const firstLine = new Map<string, number>();
    const valid: { line: number; row: ScoreRow }[] = [];
    for (const item of pending) {
      const k = scoreKey(item.row.customerId, item.row.scoreDate);
      const earlier = firstLine.get(k);
      if (!known.has(item.row.customerId)) reject(item.line, `customer_id: unknown customer ${JSON.stringify(item.row.customerId)}`);
      else if (earlier !== undefined) reject(item.line, `duplicate row: same customer_id and score_date as line ${earlier}`);
      else {
        firstLine.set(k, item.line);
        valid.push(item);
      }
    }
    const stored = await insertScores(deps.pool, batchId, valid.map((v) => v.row));
    const toEvaluate = [];
    for (const item of valid) {
      const score = stored.get(scoreKey(item.row.customerId, item.row.scoreDate));
      if (!score) {
        reject(item.line, 'could not be stored');
      } else if (score.inserted) {
        result.accepted += 1;
        toEvaluate.push(item.row);
      } else if (score.batchId === batchId) {
        reject(item.line, 'duplicate row: same customer_id and score_date as an earlier row of this batch');
      } else if (score.riskScore !== item.row.riskScore) {
        reject(item.line, `risk_score: a different score (${score.riskScore}) was already ingested for this customer_id and score_date`);
      } else {
        result.accepted += 1;
        result.alreadyIngested += 1;
        toEvaluate.push(item.row);
      }
    }
    await enqueueEvaluations(
      deps.queues,
      toEvaluate.map((row) => ({ customerId: row.customerId, scoreDate: row.scoreDate.toISOString() })),
    );
    reportRejections();
  };
  for await (const source of rows) {
    read += 1;
    if ('error' in source) reject(source.line, source.error);
    else {
      const parsed = parseScoreRow(source.raw, fallbackDate);
      if ('error' in parsed) reject(source.line, parsed.error);
      else chunk.push({ line: source.line, row: parsed.row });
    }
    if (chunk.length + rejections.length >= chunkSize) await flush();
    if (read % 1_000 === 0) options.onProgress?.(read);
  }
  await flush();
  options.onProgress?.(read);
  await finishScoreBatch(deps.pool, batchId, result.accepted, result.rejected);
  return result;
}

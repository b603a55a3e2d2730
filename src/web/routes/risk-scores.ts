// POST /risk_scores: a scoring batch as a JSON array, through the same ingestion as the CLI,
// recorded in the audit log by its batch id and counts.
import { Router } from 'express';
import { recordAudit } from '../../db/audit.js';
import { InputError } from '../../errors.js';
import { ingestScores, type Rejection } from '../../ingest/ingest-scores.js';
import type { SourceRow } from '../../ingest/read-batch-file.js';
import { auditEntry } from '../audit.js';
import type { WebDeps } from '../deps.js';

export const MAX_SCORES_PER_REQUEST = 10_000;

async function* arrayRows(items: readonly unknown[]): AsyncGenerator<SourceRow> {
  for (const [index, item] of items.entries()) {
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) yield { line: index, raw: item as Record<string, unknown> };
    else yield { line: index, error: 'must be a JSON object' };
  }
}

export function riskScoreRoutes(deps: WebDeps): Router {
  const router = Router();
  router.post('/risk_scores', async (req, res) => {
    if (!req.is('application/json')) throw new InputError('expected Content-Type: application/json', 415);
    const body: unknown = req.body;
    if (!Array.isArray(body) || body.length === 0) throw new InputError('expected a non-empty JSON array of scores');
    if (body.length > MAX_SCORES_PER_REQUEST) {
      throw new InputError(`at most ${MAX_SCORES_PER_REQUEST} scores per request (got ${body.length}); use npm run enqueue for files`, 413);
    }
    const rejected: { index: number; error: string }[] = [];
    const result = await ingestScores(deps, arrayRows(body), {
      source: 'http',
      onReject: (r: Rejection) => rejected.push({ index: r.line, error: r.error }),
    });
    await recordAudit(
      deps.pool,
      auditEntry(res, deps.clock.now(), 'risk_scores.ingest', result.batchId, { accepted: result.accepted, already_ingested: result.alreadyIngested, rejected: rejected.length }),
    );
    res.status(result.accepted > 0 ? 202 : 400).json({
      ...(result.accepted === 0 ? { error: 'no score could be ingested' } : {}),
      batch_id: result.batchId,
      accepted: result.accepted,
      already_ingested: result.alreadyIngested,
      rejected,
    });
  });
  return router;
}

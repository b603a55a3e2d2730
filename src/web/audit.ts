// The audit log's entries for what an admin does through the web process: the routes write theirs
// with auditEntry, in the transaction of the change; Bull Board's job actions (retry, clean,
// promote, pause…), which Bull Board's own router performs on the queues, are recorded once its
// response says they succeeded.
import type { NextFunction, Request, Response } from 'express';
import type { Clock } from '../clock.js';
import { recordAudit, type AuditEntry } from '../db/audit.js';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { actorOfResponse, isRead } from './auth.js';

/** The audit row of a request requireRole let through: its actor, how the token was presented, what was done to what. */
export function auditEntry(res: Response, at: Date, action: string, subject: string | null, details: Record<string, unknown> = {}): AuditEntry {
  const { actor, via } = actorOfResponse(res);
  return { at, actor, action, subject, details: { ...details, via } };
}

export interface BoardAction {
  action: string;
  /** the queue acted on; null for an action on every queue */
  subject: string | null;
  details: Record<string, string>;
}

/** Bull Board's actions on one queue (PUT/POST /api/queues/:queue/<verb>[/:status]), as against one job (/api/queues/:queue/:jobId/<verb>). */
const QUEUE_VERBS = new Set(['add', 'retry', 'promote', 'clean', 'pause', 'resume', 'concurrency', 'rate-limit', 'empty', 'obliterate', 'job-schedulers']);
const verbName = (words: readonly (string | undefined)[]) => words.filter(Boolean).join('_').replace(/-/g, '_');

/**
 * What a Bull Board API request does, from its method and its path under the board: the same
 * reading as Bull Board's router, which tries the queue's verbs before a job id. A path it does
 * not know is still recorded, as queue.request with the path.
 */
export function boardAction(method: string, path: string): BoardAction {
  const parts = path.split('/').filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part; // a malformed escape: kept as written, the record must not be lost over it
    }
  });
  const unknown: BoardAction = { action: 'queue.request', subject: null, details: { method, path } };
  if (parts[0] !== 'api') return unknown;
  if (parts[1] === 'metrics') return { action: `queues.${verbName(parts.slice(2))}`, subject: null, details: {} };
  if (parts[1] !== 'queues' || parts.length < 3) return unknown;
  if (parts.length === 3) return { action: `queues.${verbName([parts[2]])}`, subject: null, details: {} };
  const queue = parts[2] ?? '';
  const [first, second, third] = parts.slice(3);
  if (first && QUEUE_VERBS.has(first)) {
    if (first === 'job-schedulers') {
      return { action: `queue.${verbName(['job_scheduler', third ?? (method === 'PATCH' ? 'update' : undefined)])}`, subject: queue, details: { scheduler_id: second ?? '' } };
    }
    if (first === 'retry' || first === 'clean') return { action: `queue.${first}`, subject: queue, details: { status: second ?? '' } };
    return { action: `queue.${verbName([first, second])}`, subject: queue, details: {} };
  }
  if (first && second) return { action: `job.${verbName([second])}`, subject: queue, details: { job_id: first } };
  return unknown;
}

/** Records each of Bull Board's changes that succeeded; reads pass through unrecorded. */
export function auditBoardActions(deps: { pool: Queryable; clock: Clock; logger: Logger }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isRead(req.method)) {
      next();
      return;
    }
    // Read now: Bull Board's router rewrites req.url on its way through.
    const { action, subject, details } = boardAction(req.method, req.path);
    res.on('finish', () => {
      if (res.statusCode >= 400) return;
      recordAudit(deps.pool, auditEntry(res, deps.clock.now(), action, subject, details)).catch((error: unknown) =>
        deps.logger.error({ err: error, action, queue: subject }, 'could not record a Bull Board action in the audit log'),
      );
    });
    next();
  };
}

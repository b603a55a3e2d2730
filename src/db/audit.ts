// The audit log: one row per change an operator made (who, what, to which subject, the details),
// recorded with the caller's Queryable so that it commits or rolls back with the change itself.
import { jsonb, type Queryable } from './pool.js';

export interface AuditEntry {
  at: Date;
  /** who made the change: the authenticated role ('admin'), or 'system' for start-up seeding */
  actor: string;
  /** what was done, as resource.verb: 'strategy.put', 'strategy.promote', … */
  action: string;
  /** what it was done to (a strategy's name, a customer id), when there is one */
  subject: string | null;
  details: Record<string, unknown>;
}

export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query('insert into audit_log (at, actor, action, subject, details) values ($1, $2, $3, $4, $5)', [
    entry.at,
    entry.actor,
    entry.action,
    entry.subject,
    jsonb(entry.details),
  ]);
}

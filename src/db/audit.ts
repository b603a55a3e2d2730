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

export interface AuditFilter {
  since: Date | null;
  actor: string | null;
  /** an action ('preferences.put'), or a resource ('preferences': every action on it) */
  action: string | null;
  /** entries older than this audit_id (the previous page's last), for paging */
  before: number | null;
  limit: number;
}

export interface AuditView {
  audit_id: number;
  at: Date;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

/** The audit log, newest first: in the order it was recorded (audit_id), so that `before` pages through it exactly. */
export async function listAudit(db: Queryable, filter: AuditFilter): Promise<AuditView[]> {
  const { rows } = await db.query<AuditView>(
    `select audit_id, at, actor, action, subject, details from audit_log
      where ($1::timestamptz is null or at >= $1)
        and ($2::text is null or actor = $2)
        and ($3::text is null or action = $3 or starts_with(action, $3 || '.'))
        and ($4::bigint is null or audit_id < $4)
      order by audit_id desc
      limit $5`,
    [filter.since, filter.actor, filter.action, filter.before, filter.limit],
  );
  return rows;
}

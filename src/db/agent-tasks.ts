// Agent tasks: the phone channel's calls (due at decision time + the type's "contact within",
// with the call script) and follow-ups of customers' replies. Claiming is one conditional
// update, so two agents cannot claim one task; completing records the customer's response on
// the intervention.
import type { ResponseType } from '../domain/types.js';
import { InputError } from '../errors.js';
import type { CallScript } from '../messages/schema.js';
import { jsonb, storableText, type Queryable } from './pool.js';
import { recordResponse } from './responses.js';

/** Call tasks for phone deliveries, once per delivery. */
export async function insertCallTasks(db: Queryable, tasks: readonly { deliveryId: number; interventionId: number; customerId: string; dueAt: Date; script: CallScript }[]): Promise<void> {
  await db.query(
    `insert into agent_tasks (delivery_id, intervention_id, customer_id, due_at, script)
     select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::jsonb[])
     on conflict (delivery_id) do nothing`,
    [tasks.map((t) => t.deliveryId), tasks.map((t) => t.interventionId), tasks.map((t) => t.customerId), tasks.map((t) => t.dueAt), tasks.map((t) => jsonb(t.script))],
  );
}

/** A person reads every reply: a follow-up task for the agents about a customer's message. */
export async function insertFollowUpTask(db: Queryable, task: { interventionId: number; customerId: string; reason: string; dueAt: Date; details: object }): Promise<void> {
  await db.query(
    `insert into agent_tasks (intervention_id, customer_id, kind, reason, due_at, script) values ($1, $2, 'follow_up', $3, $4, $5)`,
    [task.interventionId, task.customerId, storableText(task.reason), task.dueAt, jsonb(task.details)],
  );
}

export interface AgentTaskView {
  task_id: number;
  /** a scheduled call (phone channel) or a follow-up of a customer's reply */
  kind: 'call' | 'follow_up';
  reason: string | null;
  intervention_id: number;
  customer_id: string;
  full_name: string | null;
  phone: string | null;
  timezone: string | null;
  intervention_type: string;
  status: 'open' | 'claimed' | 'completed';
  due_at: Date;
  script: unknown;
  claimed_by: string | null;
  claimed_at: Date | null;
  completed_at: Date | null;
  response_type: ResponseType | null;
  notes: string | null;
}

const TASK_COLUMNS = `t.task_id, t.kind, t.reason, t.intervention_id, t.customer_id, c.full_name, c.phone, c.timezone, i.intervention_type, t.status, t.due_at,
  t.script, t.claimed_by, t.claimed_at, t.completed_at, t.response_type, t.notes`;
const TASK_FROM = `agent_tasks t join interventions i on i.intervention_id = t.intervention_id left join customers c on c.customer_id = t.customer_id`;

export async function listAgentTasks(db: Queryable, status: AgentTaskView['status'] | null, limit: number): Promise<AgentTaskView[]> {
  const { rows } = await db.query<AgentTaskView>(
    `select ${TASK_COLUMNS} from ${TASK_FROM} where ($1::text is null or t.status = $1) order by t.due_at, t.task_id limit $2`,
    [status, limit],
  );
  return rows;
}

export async function findAgentTask(db: Queryable, taskId: number): Promise<AgentTaskView | null> {
  const { rows } = await db.query<AgentTaskView>(`select ${TASK_COLUMNS} from ${TASK_FROM} where t.task_id = $1`, [taskId]);
  return rows[0] ?? null;
}

/** open → claimed by this agent; 409 when someone else has it. `claimed` is false when this agent already held it. */
export async function claimAgentTask(db: Queryable, taskId: number, agent: string, at: Date): Promise<{ task: AgentTaskView; claimed: boolean }> {
  const { rowCount } = await db.query(
    `update agent_tasks set status = 'claimed', claimed_by = $2, claimed_at = $3 where task_id = $1 and status = 'open'`,
    [taskId, storableText(agent), at],
  );
  const task = await findAgentTask(db, taskId);
  if (!task) throw new InputError('agent task not found', 404);
  if (rowCount !== 1 && task.claimed_by !== agent) throw new InputError(`agent task is already ${task.status}${task.claimed_by ? ` by ${task.claimed_by}` : ''}`, 409);
  return { task, claimed: rowCount === 1 };
}

/**
 * claimed (by this agent) or open → completed, recording the customer's response on the task
 * and on the intervention. Run it in a transaction (the caller's, which may add its audit entry):
 * the task is locked while it is read and changed.
 */
export async function completeAgentTask(
  db: Queryable,
  taskId: number,
  input: { agent: string | null; responseType: ResponseType; notes: string | null },
  at: Date,
): Promise<AgentTaskView> {
  const { rows } = await db.query<{ intervention_id: number; status: string; claimed_by: string | null }>(
    'select intervention_id, status, claimed_by from agent_tasks where task_id = $1 for update',
    [taskId],
  );
  const found = rows[0];
  if (!found) throw new InputError('agent task not found', 404);
  if (found.status === 'completed') throw new InputError('agent task is already completed', 409);
  if (found.status === 'claimed' && input.agent && found.claimed_by !== input.agent) {
    throw new InputError(`agent task is claimed by ${found.claimed_by}`, 409);
  }
  await db.query(
    `update agent_tasks set status = 'completed', completed_at = $2, response_type = $3, notes = $4,
            claimed_by = coalesce(claimed_by, $5), claimed_at = coalesce(claimed_at, $2)
      where task_id = $1`,
    [taskId, at, input.responseType, input.notes === null ? null : storableText(input.notes), input.agent === null ? null : storableText(input.agent)],
  );
  await recordResponse(db, found.intervention_id, input.responseType, 'agent', input.notes, at);
  const task = await findAgentTask(db, taskId);
  if (!task) throw new InputError('agent task not found', 404);
  return task;
}

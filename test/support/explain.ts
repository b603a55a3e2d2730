// Reading the plans of the engine's own queries: EXPLAIN (FORMAT JSON) of each statement a
// function runs, and what the plans read.
import type { Queryable } from '../../src/db/pool.js';
import { PARTITIONED_TABLES } from '../../src/db/partitions.js';

export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/**
 * A Queryable that runs each statement twice: first as EXPLAIN (FORMAT JSON), keeping the plan,
 * then for real, so that the engine's functions run unchanged and their plans can be read.
 */
export function explaining(db: Queryable, plans: PlanNode[]): Queryable {
  const query = async (text: string, values?: unknown[]) => {
    const explained = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`explain (format json) ${text}`, values);
    plans.push(explained.rows[0]!['QUERY PLAN'][0]!.Plan);
    return db.query(text, values);
  };
  // The pool's query has many overloads; the engine's functions use only (text, values).
  return { query } as unknown as Queryable;
}

/** Every node of the plans, depth first. */
export function planNodes(plans: readonly PlanNode[]): PlanNode[] {
  const nodes: PlanNode[] = [];
  const visit = (node: PlanNode) => {
    nodes.push(node);
    node.Plans?.forEach(visit);
  };
  plans.forEach(visit);
  return nodes;
}

/** The partitions each plan reads, by partitioned table: { deliveries: ['deliveries_p202704', ...] }. */
export function partitionsRead(plans: readonly PlanNode[]): Record<string, string[]> {
  const read: Record<string, Set<string>> = {};
  for (const node of planNodes(plans)) {
    const name = node['Relation Name'];
    const table = name && PARTITIONED_TABLES.find((t) => name.startsWith(`${t}_p`) || name === `${t}_default`);
    if (name && table) (read[table] ??= new Set()).add(name);
  }
  return Object.fromEntries(Object.entries(read).map(([table, names]) => [table, [...names].sort()]));
}

// A customer-clustered comparison of two groups' default rates computed straight from individual
// outcomes, written from the definitions and independently of the product's sums-based code:
// what the unit and integration tests check the product's figures against.
import type { ClusterSums, CrossSums } from '../../src/domain/metrics.js';

/** One matured intervention: whose, in which group, and whether a default followed. */
export interface Outcome { customer: string; group: 'a' | 'b'; defaulted: boolean }

/** The sums the database computes, from individual outcomes. */
export function sums(outcomes: readonly Outcome[], group: 'a' | 'b'): ClusterSums {
  const byCustomer = new Map<string, { n: number; y: number }>();
  for (const o of outcomes.filter((o) => o.group === group)) {
    const c = byCustomer.get(o.customer) ?? { n: 0, y: 0 };
    byCustomer.set(o.customer, { n: c.n + 1, y: c.y + (o.defaulted ? 1 : 0) });
  }
  const cs = [...byCustomer.values()];
  const total = (f: (c: { n: number; y: number }) => number) => cs.reduce((s, c) => s + f(c), 0);
  return { clusters: cs.length, n: total((c) => c.n), y: total((c) => c.y), yy: total((c) => c.y * c.y), yn: total((c) => c.y * c.n), nn: total((c) => c.n * c.n) };
}

export function crossSums(outcomes: readonly Outcome[]): CrossSums {
  const count = (customer: string, group: 'a' | 'b') => {
    const mine = outcomes.filter((o) => o.customer === customer && o.group === group);
    return { n: mine.length, y: mine.filter((o) => o.defaulted).length };
  };
  const cross: CrossSums = { yy: 0, yn: 0, ny: 0, nn: 0 };
  for (const customer of new Set(outcomes.map((o) => o.customer))) {
    const a = count(customer, 'a');
    const b = count(customer, 'b');
    cross.yy += a.y * b.y;
    cross.yn += a.y * b.n;
    cross.ny += a.n * b.y;
    cross.nn += a.n * b.n;
  }
  return cross;
}

/**
 * The reference: the difference of two means with the cluster-robust (CR0) variance, straight
 * from its definition: each customer's contribution to the estimate is
 * e_i = Σ_{j of i in a} (y_j − p_a)/N_a − Σ_{j of i in b} (y_j − p_b)/N_b, and Var = Σ_i e_i².
 */
export function referenceDifference(outcomes: readonly Outcome[]): { value: number; se: number } {
  const inA = outcomes.filter((o) => o.group === 'a');
  const inB = outcomes.filter((o) => o.group === 'b');
  const mean = (list: Outcome[]) => list.filter((o) => o.defaulted).length / list.length;
  const pa = mean(inA);
  const pb = mean(inB);
  const contribution = new Map<string, number>();
  for (const o of outcomes) {
    const term = o.group === 'a' ? ((o.defaulted ? 1 : 0) - pa) / inA.length : -((o.defaulted ? 1 : 0) - pb) / inB.length;
    contribution.set(o.customer, (contribution.get(o.customer) ?? 0) + term);
  }
  const variance = [...contribution.values()].reduce((s, e) => s + e * e, 0);
  return { value: pa - pb, se: Math.sqrt(variance) };
}

/** One group's default rate with the cluster-robust standard error: √(Σ_i (Σ_{j of i} (y_j − p))²) / N. */
export function referenceRate(outcomes: readonly Outcome[]): { value: number; se: number } {
  const p = outcomes.filter((o) => o.defaulted).length / outcomes.length;
  const contribution = new Map<string, number>();
  for (const o of outcomes) contribution.set(o.customer, (contribution.get(o.customer) ?? 0) + (o.defaulted ? 1 : 0) - p);
  const squares = [...contribution.values()].reduce((s, e) => s + e * e, 0);
  return { value: p, se: Math.sqrt(squares) / outcomes.length };
}

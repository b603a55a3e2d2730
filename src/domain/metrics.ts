// The arithmetic of effectiveness: success rates, the holdout comparison with its 95%
// confidence interval, and the customer-clustered intervals that compare strategies. Pure, so
// that every figure can be checked against a hand computation.

/** The lookback a stored snapshot covers: long enough for interventions to mature (30 days) and compare. */
export const SNAPSHOT_PERIOD_DAYS = 90;

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959963984540054;

export interface GroupOutcome {
  /** matured interventions: their 30-day outcome window has passed */
  matured: number;
  /** of matured: a payment was missed within the window */
  defaults: number;
}

export interface Uplift {
  treated_default_rate: number | null;
  holdout_default_rate: number | null;
  /** holdout rate minus treated rate: the share of customers outreach kept from defaulting */
  absolute_uplift: number | null;
  ci_low: number | null;
  ci_high: number | null;
  treated_n: number;
  holdout_n: number;
}

export function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/**
 * Difference of two proportions (holdout − treated) with the unpooled Wald interval:
 * diff ± z·√(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂). Null where a group has no matured intervention.
 */
export function holdoutUplift(treated: GroupOutcome, holdout: GroupOutcome): Uplift {
  const pt = rate(treated.defaults, treated.matured);
  const ph = rate(holdout.defaults, holdout.matured);
  const base = { treated_default_rate: pt, holdout_default_rate: ph, treated_n: treated.matured, holdout_n: holdout.matured };
  if (pt === null || ph === null) return { ...base, absolute_uplift: null, ci_low: null, ci_high: null };
  const diff = ph - pt;
  const se = Math.sqrt((pt * (1 - pt)) / treated.matured + (ph * (1 - ph)) / holdout.matured);
  return { ...base, absolute_uplift: diff, ci_low: diff - Z_95 * se, ci_high: diff + Z_95 * se };
}

/** A figure with its 95% confidence interval; all null when there is nothing to estimate. */
export interface Estimate {
  value: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

const NO_ESTIMATE: Estimate = { value: null, ci_low: null, ci_high: null };

/**
 * One group's matured interventions summed over its customers (the clusters): customer i has
 * n_i matured interventions in the group, y_i of them followed by a default. The sums of
 * squares and products are what the cluster-robust variance needs, so that the database can
 * reduce a million interventions to six numbers per group.
 */
export interface ClusterSums {
  /** customers with at least one matured intervention in the group */
  clusters: number;
  /** Σ n_i */
  n: number;
  /** Σ y_i */
  y: number;
  /** Σ y_i² */
  yy: number;
  /** Σ y_i·n_i */
  yn: number;
  /** Σ n_i² */
  nn: number;
}

/** Over the customers in both groups a and b (a customer can move between strategies). */
export interface CrossSums {
  /** Σ y_ai·y_bi */
  yy: number;
  /** Σ y_ai·n_bi */
  yn: number;
  /** Σ n_ai·y_bi */
  ny: number;
  /** Σ n_ai·n_bi */
  nn: number;
}

export const NO_CROSS: CrossSums = { yy: 0, yn: 0, ny: 0, nn: 0 };

/**
 * Cluster-robust variance of a group's default rate p = Σy_i / Σn_i (the sandwich estimator
 * of a ratio, without a small-sample factor): Σ(y_i − p·n_i)² / (Σn_i)², expanded into the
 * sums. With one intervention per customer it is p(1−p)/n, the plain Wald variance that
 * holdoutUplift uses; a customer treated several times counts as one cluster, not several
 * independent draws, which widens the interval when their outcomes go together.
 */
function rateVariance(g: ClusterSums, p: number): number {
  return (g.yy - 2 * p * g.yn + p * p * g.nn) / (g.n * g.n);
}

/** Σ_i (y_ai − p_a·n_ai)(y_bi − p_b·n_bi) / (N_a·N_b): the covariance shared customers bring. */
function covariance(a: ClusterSums, b: ClusterSums, cross: CrossSums, pa: number, pb: number): number {
  return (cross.yy - pb * cross.yn - pa * cross.ny + pa * pb * cross.nn) / (a.n * b.n);
}

const interval = (value: number, variance: number): Estimate => {
  // Rounding can leave a zero variance a hair below zero.
  const se = Math.sqrt(Math.max(variance, 0));
  return { value, ci_low: value - Z_95 * se, ci_high: value + Z_95 * se };
};

/** The group's default rate with its customer-clustered 95% interval. */
export function clusteredRate(g: ClusterSums): Estimate {
  if (g.n === 0) return NO_ESTIMATE;
  const p = g.y / g.n;
  return interval(p, rateVariance(g, p));
}

/**
 * rate(a) − rate(b) with its customer-clustered 95% interval: Var = V_a + V_b − 2·Cov, where
 * Cov comes from the customers in both groups (none when the groups are disjoint).
 */
export function clusteredDifference(a: ClusterSums, b: ClusterSums, cross: CrossSums = NO_CROSS): Estimate {
  if (a.n === 0 || b.n === 0) return NO_ESTIMATE;
  const pa = a.y / a.n;
  const pb = b.y / b.n;
  return interval(pa - pb, rateVariance(a, pa) + rateVariance(b, pb) - 2 * covariance(a, b, cross, pa, pb));
}

/** The holdout's share of the interventions in a period, observed, beside the share configured. */
export interface HoldoutShare {
  /** the policy's holdout percent as a share (5% → 0.05) */
  configured: number;
  observed: number | null;
  ci_low: number | null;
  ci_high: number | null;
  holdout: number;
  interventions: number;
}

/**
 * Observed share with its 95% Wilson score interval, which, unlike the Wald interval, stays
 * within 0..1 and holds for shares near 0 such as a 5% holdout. Approximate: the holdout is
 * drawn per customer, and a customer may appear more than once.
 */
export function holdoutShare(holdout: number, interventions: number, configuredPercent: number): HoldoutShare {
  const base = { configured: configuredPercent / 100, holdout, interventions };
  if (interventions === 0) return { ...base, observed: null, ci_low: null, ci_high: null };
  const n = interventions;
  const p = holdout / n;
  const z2 = Z_95 * Z_95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z_95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { ...base, observed: p, ci_low: Math.max(0, centre - half), ci_high: Math.min(1, centre + half) };
}

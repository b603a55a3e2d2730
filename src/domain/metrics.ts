// The arithmetic of effectiveness: success rates and the holdout comparison with its 95%
// confidence interval. Pure, so that every figure can be checked against a hand computation.

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

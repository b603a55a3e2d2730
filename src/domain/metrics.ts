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

// The customer's risk trend from their latest scores (SPEC §3.3): is the risk rising, high and
// steady, falling, or low and steady? Pure.
import type { Trend } from './types.js';

export interface TrendThresholds {
  /** how many of the newest scores are considered (the spec's 5) */
  window: number;
  /** at or above this recent mean the customer is high-risk (0.6) */
  highRisk: number;
  /** for a high-risk customer, a change above this is increasing (0.05) */
  highRiskRise: number;
  /** otherwise, a change above this is increasing (0.10) */
  rise: number;
  /** otherwise, a change below minus this is decreasing (0.10) */
  fall: number;
}

/**
 * Scores are decimals with at most ~6 places, but their float sums and differences are not:
 * 0.7 - 0.6 is 0.09999999999999998 and 0.35 - 0.25 is 0.09999999999999998. Rounding every
 * intermediate to 1e-9 (far below the scores' own precision, far above float noise) makes a
 * change of exactly 0.10 compare as decimal arithmetic would: not beyond the threshold.
 */
const DECIMAL_PLACES = 1e9;
const decimal = (value: number) => Math.round(value * DECIMAL_PLACES) / DECIMAL_PLACES;

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/**
 * The trend of the newest `window` scores (newest first, the evaluated score included):
 * recent = mean of the newest 2, older = mean of the oldest 2; with 2 or 3 scores the two pairs
 * overlap, as the spec's formula implies (2 scores → change 0).
 */
export function riskTrend(scoresNewestFirst: readonly number[], thresholds: TrendThresholds): Trend {
  const scores = scoresNewestFirst.slice(0, thresholds.window);
  if (scores.length < 2) return 'unknown';
  const recent = decimal(mean(scores.slice(0, 2)));
  const older = decimal(mean(scores.slice(-2)));
  const change = decimal(recent - older);
  if (recent >= thresholds.highRisk) return change > thresholds.highRiskRise ? 'increasing' : 'stable_high';
  if (change > thresholds.rise) return 'increasing';
  if (change < -thresholds.fall) return 'decreasing';
  return 'stable_low';
}

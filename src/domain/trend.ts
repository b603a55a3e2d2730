// The customer's risk trend from their latest scores (SPEC §3.3). Pure.
import type { Trend } from './types.js';

export interface TrendThresholds {
  /** how many of the newest scores are considered */
  window: number;
  /** at or above this recent mean the customer is high-risk */
  highRisk: number;
  /** a rise above this counts as increasing for a high-risk customer */
  highRiskRise: number;
  /** a rise above this counts as increasing otherwise */
  rise: number;
  /** a fall beyond this counts as decreasing */
  fall: number;
}

const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

/**
 * Scores are decimals with a few places, but their float differences are not: 0.7 - 0.6 is
 * 0.09999999999999998. Rounding to 1e-9 makes "change exactly 0.10" compare as decimal
 * arithmetic would, which is what a risk analyst reading the policy expects.
 */
const decimal = (value: number) => Math.round(value * 1e9) / 1e9;

export function riskTrend(scoresNewestFirst: readonly number[], t: TrendThresholds): Trend {
  const scores = scoresNewestFirst.slice(0, t.window);
  if (scores.length < 2) return 'unknown';
  const recent = decimal(mean(scores.slice(0, 2)));
  const older = decimal(mean(scores.slice(-2)));
  const change = decimal(recent - older);
  if (recent >= t.highRisk) return change > t.highRiskRise ? 'increasing' : 'stable_high';
  if (change > t.rise) return 'increasing';
  if (change < -t.fall) return 'decreasing';
  return 'stable_low';
}

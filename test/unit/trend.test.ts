// The risk trend (SPEC §3.3): every branch, every threshold at exactly its value and just beyond
// it (where float arithmetic would otherwise tip the balance), and the window of newest scores.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';
import { riskTrend, type TrendThresholds } from '../../src/domain/trend.js';
import { TRENDS, type Trend } from '../../src/domain/types.js';

const T = DEFAULT_POLICY.trend;

describe('how many scores the trend uses', () => {
  it('no score at all is an unknown trend', () => {
    expect(riskTrend([], T)).toBe('unknown');
  });

  it('a single score is an unknown trend, however high', () => {
    expect(riskTrend([0.99], T)).toBe('unknown');
    expect(riskTrend([0.1], T)).toBe('unknown');
  });

  it('two scores compare the same pair with itself: change 0, stable high or low by their mean', () => {
    expect(riskTrend([0.7, 0.5], T)).toBe('stable_high'); // mean 0.6
    expect(riskTrend([0.9, 0.1], T)).toBe('stable_low'); // a jump from 0.1 to 0.9 is not "increasing" with 2 scores
    expect(riskTrend([0.1, 0.9], T)).toBe('stable_low'); // nor is a drop "decreasing"
  });

  it('three scores overlap the newest and oldest pairs on the middle one', () => {
    // recent = (0.5 + 0.4) / 2 = 0.45, older = (0.4 + 0.3) / 2 = 0.35: change exactly 0.10
    expect(riskTrend([0.5, 0.4, 0.3], T)).toBe('stable_low');
    expect(riskTrend([0.52, 0.4, 0.3], T)).toBe('increasing');
  });

  it('four scores compare the newest two with the oldest two', () => {
    expect(riskTrend([0.5, 0.5, 0.3, 0.3], T)).toBe('increasing');
    expect(riskTrend([0.5, 0.5, 0.5, 0.3], T)).toBe('stable_low'); // older = 0.4
  });

  it('five scores ignore the middle one', () => {
    expect(riskTrend([0.5, 0.5, 0.99, 0.3, 0.3], T)).toBe('increasing');
    expect(riskTrend([0.5, 0.5, 0.0, 0.3, 0.3], T)).toBe('increasing');
  });

  it('seven scores use only the newest five', () => {
    // Newest five: older = (0.4 + 0.4) / 2 → change 0.10 → stable_low. All seven would give older 0 → increasing.
    expect(riskTrend([0.5, 0.5, 0.4, 0.4, 0.4, 0.0, 0.0], T)).toBe('stable_low');
    expect(riskTrend([0.5, 0.5, 0.4, 0.4, 0.4], T)).toBe('stable_low');
    expect(riskTrend([0.5, 0.5, 0.4, 0.0, 0.0], T)).toBe('increasing');
  });

  it('a configured window of 3 uses only the newest three', () => {
    const three: TrendThresholds = { ...T, window: 3 };
    expect(riskTrend([0.5, 0.45, 0.4, 0.0, 0.0], three)).toBe('stable_low'); // 0.475 vs 0.425
    expect(riskTrend([0.5, 0.45, 0.4, 0.0, 0.0], T)).toBe('increasing'); // 0.475 vs 0
  });
});

describe('below a recent mean of 0.6', () => {
  it.each<[string, number[], Trend]>([
    ['a change of exactly +0.10 (0.45 over 0.35, float 0.10000000000000003) is stable_low', [0.45, 0.45, 0.35, 0.35], 'stable_low'],
    ['a change of exactly +0.10 (0.40 over 0.30, float 0.10000000000000003) is stable_low', [0.4, 0.4, 0.3, 0.3], 'stable_low'],
    ['a change of exactly +0.10 (0.35 over 0.25, float 0.09999999999999998) is stable_low', [0.35, 0.35, 0.25, 0.25], 'stable_low'],
    ['a change of +0.100001 is increasing', [0.450001, 0.450001, 0.35, 0.35], 'increasing'],
    ['a change of +0.1000005 (half a millionth in the mean) is increasing', [0.450001, 0.45, 0.35, 0.35], 'increasing'],
    ['a change of exactly -0.10 (0.30 under 0.40, float -0.10000000000000003) is stable_low', [0.3, 0.3, 0.4, 0.4], 'stable_low'],
    ['a change of exactly -0.10 (0.25 under 0.35) is stable_low', [0.25, 0.25, 0.35, 0.35], 'stable_low'],
    ['a change of -0.100001 is decreasing', [0.299999, 0.299999, 0.4, 0.4], 'decreasing'],
    ['a change of -0.1000005 is decreasing', [0.299999, 0.3, 0.4, 0.4], 'decreasing'],
    ['no change is stable_low', [0.3, 0.3, 0.3, 0.3, 0.3], 'stable_low'],
    ['a recent mean just below 0.6 with no change is stable_low', [0.599999, 0.6, 0.6, 0.599999], 'stable_low'],
    ['a recent mean just below 0.6 rising by 0.08 is stable_low (the 0.05 rule is for high risk only)', [0.58, 0.58, 0.5, 0.5], 'stable_low'],
  ])('%s', (_promise, scores, trend) => {
    expect(riskTrend(scores, T)).toBe(trend);
  });
});

describe('at or above a recent mean of 0.6', () => {
  it.each<[string, number[], Trend]>([
    ['a recent mean of exactly 0.6 with no change is stable_high', [0.6, 0.6, 0.6], 'stable_high'],
    ['a recent mean of 0.6 from 0.65 and 0.55 is high', [0.65, 0.55, 0.55, 0.65], 'stable_high'],
    ['a change of exactly +0.05 (0.65 over 0.60, float 0.050000000000000044) is stable_high', [0.65, 0.65, 0.6, 0.6], 'stable_high'],
    ['a change of exactly +0.05 (0.70 over 0.65, float 0.04999999999999993) is stable_high', [0.7, 0.7, 0.65, 0.65], 'stable_high'],
    ['a change of +0.050001 is increasing', [0.650001, 0.650001, 0.6, 0.6], 'increasing'],
    ['a change of +0.0500005 is increasing', [0.650001, 0.65, 0.6, 0.6], 'increasing'],
    ['a rise into high risk (0.4 → 0.6) is increasing', [0.6, 0.6, 0.4, 0.4], 'increasing'],
    ['a fall while still high (0.95 → 0.65) is stable_high, never decreasing', [0.65, 0.65, 0.95, 0.95], 'stable_high'],
    ['a change of exactly -0.10 while high is stable_high', [0.7, 0.7, 0.8, 0.8], 'stable_high'],
  ])('%s', (_promise, scores, trend) => {
    expect(riskTrend(scores, T)).toBe(trend);
  });
});

describe('configured thresholds', () => {
  it('uses the configured high-risk level and rises', () => {
    const strict: TrendThresholds = { window: 5, highRisk: 0.7, highRiskRise: 0.02, rise: 0.05, fall: 0.2 };
    expect(riskTrend([0.65, 0.65, 0.6, 0.6], strict)).toBe('stable_low'); // 0.65 is not high at 0.7; +0.05 is not > 0.05
    expect(riskTrend([0.66, 0.66, 0.6, 0.6], strict)).toBe('increasing');
    expect(riskTrend([0.73, 0.73, 0.7, 0.7], strict)).toBe('increasing'); // +0.03 > 0.02 while high
    expect(riskTrend([0.3, 0.3, 0.45, 0.45], strict)).toBe('stable_low'); // -0.15 is not beyond -0.2
    expect(riskTrend([0.3, 0.3, 0.55, 0.55], strict)).toBe('decreasing');
  });
});

describe('properties over any scores with six decimals', () => {
  // Scores as integers of millionths: the trend computed in exact integer arithmetic is the truth.
  const micros = fc.integer({ min: 0, max: 1_000_000 });
  const exactTrend = (history: number[]): Trend => {
    const s = history.slice(0, 5);
    if (s.length < 2) return 'unknown';
    const [a = 0, b = 0] = s;
    const [c = 0, d = 0] = s.slice(-2);
    const recent2 = a + b; // twice the recent mean, in millionths
    const change2 = a + b - (c + d);
    if (recent2 >= 1_200_000) return change2 > 100_000 ? 'increasing' : 'stable_high';
    if (change2 > 200_000) return 'increasing';
    if (change2 < -200_000) return 'decreasing';
    return 'stable_low';
  };

  it('agrees with exact decimal arithmetic on every history', () => {
    fc.assert(
      fc.property(fc.array(micros, { maxLength: 7 }), (history) => {
        expect(riskTrend(history.map((m) => m / 1_000_000), T)).toBe(exactTrend(history));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with exact decimal arithmetic right at the edges', () => {
    // Histories whose change lands within a millionth of ±0.10 or +0.05, where float noise lives.
    const nearEdge = fc
      .tuple(micros, fc.constantFrom(100_000, 50_000, -100_000), fc.integer({ min: -2, max: 2 }))
      .map(([recent, edge, nudge]) => [recent, recent, recent - edge + nudge, recent - edge + nudge])
      .filter((h) => h.every((m) => m >= 0 && m <= 1_000_000));
    fc.assert(
      fc.property(nearEdge, (history) => {
        expect(riskTrend(history.map((m) => m / 1_000_000), T)).toBe(exactTrend(history));
      }),
      { numRuns: 2000 },
    );
  });

  it('is always one of the five trends, and ignores scores beyond the window', () => {
    fc.assert(
      fc.property(fc.array(micros, { minLength: 5, maxLength: 7 }), fc.array(micros, { maxLength: 3 }), (history, extra) => {
        const scores = history.map((m) => m / 1_000_000);
        const trend = riskTrend(scores, T);
        expect(TRENDS).toContain(trend);
        expect(riskTrend([...scores.slice(0, 5), ...extra.map((m) => m / 1_000_000)], T)).toBe(trend);
      }),
    );
  });
});

// The decision policy, exhaustively: every threshold edge, every trend branch, cool-off and
// recent-default boundaries, holdout share, and properties that hold for any input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdoutBucket, isHoldout } from '../../src/domain/holdout.js';
import { DEFAULT_POLICY, decide, type EvaluationInput, type Policy } from '../../src/domain/policy.js';
import { riskTrend } from '../../src/domain/trend.js';

const T = DEFAULT_POLICY.trend;
const scoreDate = new Date('2026-11-25T06:00:00Z');
const DAY = 86_400_000;
const noHoldout: Policy = { ...DEFAULT_POLICY, holdout: { ...DEFAULT_POLICY.holdout, percent: 0 } };

const input = (over: Partial<EvaluationInput> = {}): EvaluationInput => ({
  customerId: 'C1',
  scoreDate,
  riskScore: 0.5,
  recentScores: [0.5],
  lastInterventionAt: null,
  lastMissedDueDate: null,
  ...over,
});
/** A history ending in `score` whose trend is increasing (change well above any threshold). */
const rising = (score: number) => [score, score - 0.01, Math.max(0, score - 0.3), Math.max(0, score - 0.31)];
/** A history ending in `score` that is flat. */
const flat = (score: number) => [score, score, score];

describe('risk trend', () => {
  it.each([
    [[], 'unknown'],
    [[0.9], 'unknown'],
    [[0.7, 0.7], 'stable_high'],
    [[0.3, 0.3], 'stable_low'],
  ])('%j → %s', (scores, trend) => {
    expect(riskTrend(scores, T)).toBe(trend);
  });

  it('uses the newest two against the oldest two of up to five scores', () => {
    // recent = (0.5 + 0.5)/2, older = (0.3 + 0.3)/2 of the 5 newest; the 6th and 7th are ignored.
    expect(riskTrend([0.5, 0.5, 0.4, 0.3, 0.3, 0.9, 0.9], T)).toBe('increasing');
    expect(riskTrend([0.5, 0.5, 0.4, 0.3, 0.3], T)).toBe('increasing');
  });

  it('lets the newest and oldest pairs overlap with three scores', () => {
    // recent = (0.5+0.4)/2 = 0.45, older = (0.4+0.3)/2 = 0.35 → change 0.10 exactly: not increasing.
    expect(riskTrend([0.5, 0.4, 0.3], T)).toBe('stable_low');
    expect(riskTrend([0.52, 0.4, 0.3], T)).toBe('increasing');
  });

  it.each([
    ['a change of exactly +0.10 below 0.6 is stable_low', [0.45, 0.45, 0.35, 0.35], 'stable_low'],
    ['a change just above +0.10 below 0.6 is increasing', [0.4501, 0.45, 0.35, 0.35], 'increasing'],
    ['a change of exactly -0.10 is stable_low', [0.25, 0.25, 0.35, 0.35], 'stable_low'],
    ['a change just beyond -0.10 is decreasing', [0.2499, 0.25, 0.35, 0.35], 'decreasing'],
    ['a change of exactly +0.05 at a high level is stable_high', [0.7, 0.7, 0.65, 0.65], 'stable_high'],
    ['a change just above +0.05 at a high level is increasing', [0.7001, 0.7, 0.65, 0.65], 'increasing'],
    ['a recent mean of exactly 0.6 is high', [0.6, 0.6, 0.6], 'stable_high'],
    ['a recent mean just below 0.6 is not high', [0.5999, 0.6, 0.6], 'stable_low'],
    ['a falling high-risk customer is still stable_high', [0.65, 0.65, 0.95, 0.95], 'stable_high'],
    ['0.7 over 0.6 (float 0.0999…) is exactly 0.10', [0.7, 0.7, 0.6, 0.6].map((v) => v - 0.2), 'stable_low'],
  ])('%s', (_name, scores, trend) => {
    expect(riskTrend(scores, T)).toBe(trend);
  });
});

describe('intervention type by score', () => {
  it.each([
    [0.8, 'payment_assistance'],
    [0.95, 'payment_assistance'],
    [0.7999999, 'flexible_payment'],
    [0.6, 'flexible_payment'],
    [0.5999999, 'payment_reminder'],
    [0.4, 'payment_reminder'],
    [0.3999999, 'financial_wellness'],
    [0.2, 'financial_wellness'],
  ])('a rising score of exactly %s gets %s', (score, type) => {
    const decision = decide(input({ riskScore: score, recentScores: rising(score) }), noHoldout);
    expect(decision).toMatchObject({ outcome: 'intervention', type });
  });

  it('a rising score just below 0.20 is below the threshold', () => {
    expect(decide(input({ riskScore: 0.1999999, recentScores: rising(0.1999999) }), noHoldout)).toMatchObject({
      outcome: 'no_intervention',
      reason: 'below_threshold',
      trend: 'increasing',
    });
  });

  it('carries the urgency, channels, contact window and offers of the type', () => {
    expect(decide(input({ riskScore: 0.85, recentScores: rising(0.85) }), noHoldout)).toEqual({
      outcome: 'intervention',
      reason: null,
      trend: 'increasing',
      policyVersion: DEFAULT_POLICY.version,
      type: 'payment_assistance',
      urgency: 'critical',
      channels: ['phone', 'email'],
      offers: ['payment_holiday', 'emi_restructuring', 'hardship_counselling'],
      contactWithinHours: 24,
    });
    expect(decide(input({ riskScore: 0.65, recentScores: flat(0.65) }), noHoldout)).toMatchObject({
      type: 'flexible_payment',
      urgency: 'high',
      channels: ['email', 'sms', 'app_notification'],
      contactWithinHours: 120,
      trend: 'stable_high',
    });
  });

  it('a stable-high customer scored at 0.60 or more is helped without a rising trend', () => {
    expect(decide(input({ riskScore: 0.62, recentScores: flat(0.62) }), noHoldout)).toMatchObject({ outcome: 'intervention', type: 'flexible_payment' });
  });
});

describe('reasons for no intervention', () => {
  it.each([
    ['one score only', [0.9], 'trend_unknown'],
    ['a falling score', [0.3, 0.3, 0.5, 0.5], 'trend_decreasing'],
    ['a flat low score', flat(0.45), 'trend_stable_low'],
  ])('%s → %s', (_name, scores, reason) => {
    expect(decide(input({ riskScore: scores[0]!, recentScores: scores }), noHoldout)).toMatchObject({ outcome: 'no_intervention', reason });
  });

  it('cools off when the last intervention was exactly 7 days before the score', () => {
    const d = decide(input({ riskScore: 0.9, recentScores: rising(0.9), lastInterventionAt: new Date(scoreDate.getTime() - 7 * DAY) }), noHoldout);
    expect(d).toMatchObject({ outcome: 'no_intervention', reason: 'cooloff' });
  });

  it('does not cool off 7 days and 1 ms after the last intervention', () => {
    const d = decide(input({ riskScore: 0.9, recentScores: rising(0.9), lastInterventionAt: new Date(scoreDate.getTime() - 7 * DAY - 1) }), noHoldout);
    expect(d.outcome).toBe('intervention');
  });

  it('cools off when an intervention happened after the score (a later score was decided first)', () => {
    const d = decide(input({ riskScore: 0.9, recentScores: rising(0.9), lastInterventionAt: new Date(scoreDate.getTime() + DAY) }), noHoldout);
    expect(d).toMatchObject({ reason: 'cooloff' });
  });

  it('checks cool-off before recent default and trend', () => {
    const d = decide(input({ recentScores: [0.1], lastInterventionAt: scoreDate, lastMissedDueDate: '2026-11-24' }), noHoldout);
    expect(d).toMatchObject({ reason: 'cooloff' });
  });

  it.each([
    ['2026-11-25', 'recent_default'],
    ['2026-11-18', 'recent_default'],
    ['2026-11-17', null],
  ])('a payment missed on %s → %s', (due, reason) => {
    const d = decide(input({ riskScore: 0.9, recentScores: rising(0.9), lastMissedDueDate: due }), noHoldout);
    if (reason) expect(d).toMatchObject({ outcome: 'no_intervention', reason });
    else expect(d.outcome).toBe('intervention');
  });

  it('records the policy version on every decision', () => {
    expect(decide(input(), DEFAULT_POLICY).policyVersion).toBe(DEFAULT_POLICY.version);
  });
});

describe('holdout', () => {
  it('keeps about 5% of 100,000 customers out, and the same ones every time', () => {
    let held = 0;
    for (let i = 0; i < 100_000; i += 1) if (isHoldout(`C${i}`, 5, 'salt')) held += 1;
    expect(held / 100_000).toBeGreaterThan(0.046);
    expect(held / 100_000).toBeLessThan(0.054);
    expect(isHoldout('C42', 5, 'salt')).toBe(isHoldout('C42', 5, 'salt'));
  });

  it('depends on the salt, and respects 0% and 100%', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `C${i}`);
    expect(ids.some((id) => holdoutBucket(id, 'a') !== holdoutBucket(id, 'b'))).toBe(true);
    expect(ids.filter((id) => isHoldout(id, 0, 's'))).toHaveLength(0);
    expect(ids.filter((id) => isHoldout(id, 100, 's'))).toHaveLength(1000);
  });

  it('logs a held-out customer with the type they would have had', () => {
    const everyone: Policy = { ...DEFAULT_POLICY, holdout: { ...DEFAULT_POLICY.holdout, percent: 100 } };
    expect(decide(input({ riskScore: 0.9, recentScores: rising(0.9) }), everyone)).toMatchObject({ outcome: 'holdout', type: 'payment_assistance' });
  });
});

describe('properties over any input', () => {
  const scores = fc.array(fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000), { minLength: 1, maxLength: 7 });

  it('every decision is an intervention with a type, or no intervention with a known reason', () => {
    fc.assert(
      fc.property(scores, fc.integer({ min: 0, max: 100 }), (history, percent) => {
        const policy = { ...DEFAULT_POLICY, holdout: { ...DEFAULT_POLICY.holdout, percent } };
        const d = decide(input({ riskScore: history[0]!, recentScores: history }), policy);
        if (d.outcome === 'no_intervention') {
          expect(['cooloff', 'recent_default', 'trend_unknown', 'trend_decreasing', 'trend_stable_low', 'below_threshold']).toContain(d.reason);
        } else {
          expect(history[0]!).toBeGreaterThanOrEqual(0.2);
          expect(['increasing', 'stable_high']).toContain(d.trend);
        }
      }),
    );
  });

  it('a higher score never gets a less urgent type for the same trend', () => {
    const rank = { payment_assistance: 4, flexible_payment: 3, payment_reminder: 2, financial_wellness: 1 };
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 1000 }), fc.integer({ min: 200, max: 1000 }), (a, b) => {
        const [low, high] = [Math.min(a, b) / 1000, Math.max(a, b) / 1000];
        const dl = decide(input({ riskScore: low, recentScores: rising(low) }), noHoldout);
        const dh = decide(input({ riskScore: high, recentScores: rising(high) }), noHoldout);
        if (dl.outcome !== 'no_intervention' && dh.outcome !== 'no_intervention') expect(rank[dh.type]).toBeGreaterThanOrEqual(rank[dl.type]);
      }),
    );
  });

  it('holdout never changes what type would have been chosen', () => {
    fc.assert(
      fc.property(scores, fc.string({ minLength: 1, maxLength: 12 }), (history, id) => {
        const all = { ...DEFAULT_POLICY, holdout: { ...DEFAULT_POLICY.holdout, percent: 100 } };
        const held = decide(input({ customerId: id, riskScore: history[0]!, recentScores: history }), all);
        const treated = decide(input({ customerId: id, riskScore: history[0]!, recentScores: history }), noHoldout);
        expect(held.outcome === 'holdout' ? { ...held, outcome: 'intervention' } : held).toEqual(treated);
      }),
    );
  });
});

// The decision policy (SPEC §3), exhaustively: every score threshold at and just below its value,
// cool-off and recent-default boundaries, the order of the checks and how they interact, the
// holdout, the policy schema, and properties that hold for any input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  NO_INTERVENTION_REASONS,
  contactBy,
  decide,
  policySchema,
  type Decision,
  type EvaluationInput,
  type Policy,
} from '../../src/domain/policy.js';
import { DECISION_OUTCOMES, type InterventionType } from '../../src/domain/types.js';

const DAY = 86_400_000;
const scoreDate = new Date('2026-11-25T06:00:00Z');
const withHoldout = (percent: number): Policy => ({ ...DEFAULT_POLICY, holdout: { ...DEFAULT_POLICY.holdout, percent } });
const noHoldout = withHoldout(0);

const input = (over: Partial<EvaluationInput> = {}): EvaluationInput => ({
  customerId: 'C1',
  scoreDate,
  riskScore: 0.5,
  recentScores: [0.5],
  lastInterventionAt: null,
  lastMissedDueDate: null,
  ...over,
});
/** A history ending in `score` with a clearly increasing trend (change of 0.3, or down to 0). */
const rising = (score: number) => [score, score, Math.max(0, score - 0.3), Math.max(0, score - 0.3)];
/** A flat history at `score`: stable_high from 0.6 up, stable_low below. */
const flat = (score: number) => [score, score, score];
const decideFor = (scores: number[], policy: Policy = noHoldout, over: Partial<EvaluationInput> = {}) =>
  decide(input({ riskScore: scores[0] ?? 0, recentScores: scores, ...over }), policy);

describe('the intervention type by score', () => {
  it.each<[string, number[], InterventionType]>([
    ['a rising score of exactly 0.80 gets payment assistance', rising(0.8), 'payment_assistance'],
    ['a stable-high score of exactly 0.80 gets payment assistance', flat(0.8), 'payment_assistance'],
    ['a score of 1.0 gets payment assistance', rising(1), 'payment_assistance'],
    ['a rising score of 0.7999999 gets flexible payment', rising(0.7999999), 'flexible_payment'],
    ['a rising score of exactly 0.60 gets flexible payment', rising(0.6), 'flexible_payment'],
    ['a stable-high score of exactly 0.60 gets flexible payment', flat(0.6), 'flexible_payment'],
    ['a rising score of 0.5999999 gets a payment reminder', rising(0.5999999), 'payment_reminder'],
    ['a rising score of exactly 0.40 gets a payment reminder', rising(0.4), 'payment_reminder'],
    ['a rising score of 0.3999999 gets financial wellness', rising(0.3999999), 'financial_wellness'],
    ['a rising score of exactly 0.20 gets financial wellness', rising(0.2), 'financial_wellness'],
    ['a score of 0.85 rising into high risk from 0.30 gets payment assistance', [0.85, 0.35, 0.3, 0.3], 'payment_assistance'],
  ])('%s', (_promise, scores, type) => {
    expect(decideFor(scores)).toMatchObject({ outcome: 'intervention', reason: null, type });
  });

  it.each<[string, number[]]>([
    ['a rising score of 0.1999999 is below the threshold', rising(0.1999999)],
    ['a rising score of 0.199999 is below the threshold', rising(0.199999)],
    ['a rising score of 0.15 (up from 0) is below the threshold', [0.15, 0.15, 0, 0, 0]],
    // Stable high passes the trend check, but the two lower tiers need a rising trend.
    ['a score of 0.59 after a 0.61 (stable high, not rising) is below the threshold', [0.59, 0.61, 0.6, 0.6]],
    ['a score of 0.45 the day after a 0.80 (stable high, falling) is below the threshold', [0.45, 0.8, 0.8, 0.8]],
    ['a score of 0.30 after a 0.90 is below the threshold', [0.3, 0.9, 0.9]],
  ])('%s', (_promise, scores) => {
    expect(decideFor(scores)).toEqual({ outcome: 'no_intervention', reason: 'below_threshold', trend: expect.stringMatching(/^(increasing|stable_high)$/), policyVersion: DEFAULT_POLICY.version });
  });

  it.each<[number, Omit<Extract<Decision, { reason: null }>, 'outcome' | 'reason' | 'policyVersion' | 'trend'>]>([
    [0.9, { type: 'payment_assistance', urgency: 'critical', channels: ['phone', 'email'], contactWithinHours: 24, offers: ['payment_holiday', 'emi_restructuring', 'hardship_counselling'] }],
    [0.7, { type: 'flexible_payment', urgency: 'high', channels: ['email', 'sms', 'app_notification'], contactWithinHours: 120, offers: ['due_date_extension', 'split_payment', 'emi_restructuring'] }],
    [0.5, { type: 'payment_reminder', urgency: 'medium', channels: ['email', 'app_notification'], contactWithinHours: 168, offers: ['auto_pay', 'payment_reminders', 'split_payment'] }],
    [0.3, { type: 'financial_wellness', urgency: 'low', channels: ['email', 'app_notification'], contactWithinHours: 336, offers: ['budgeting_tools', 'financial_counselling'] }],
  ])('a rising score of %s carries its type’s urgency, channels, contact window and offers', (score, expected) => {
    expect(decideFor(rising(score))).toEqual({ outcome: 'intervention', reason: null, trend: 'increasing', policyVersion: '2026-11-default', ...expected });
  });

  it('hands out copies, so that a caller changing a decision cannot change the policy', () => {
    const d = decideFor(rising(0.9));
    if (d.outcome === 'no_intervention') throw new Error('expected an intervention');
    d.channels.push('sms');
    expect(decideFor(rising(0.9))).toMatchObject({ channels: ['phone', 'email'] });
  });
});

describe('the trend check comes before the type table', () => {
  it.each<[string, number[], string]>([
    ["a customer's first score, even 0.95, is trend_unknown", [0.95], 'trend_unknown'],
    ['a score of 0.85 the day after a 0.30, on a flat history, is trend_stable_low', [0.85, 0.3, 0.6, 0.55, 0.55], 'trend_stable_low'],
    ['a score of 0.85 the day after a 0.10, down from 0.90, is trend_decreasing', [0.85, 0.1, 0.9, 0.9], 'trend_decreasing'],
    ['a flat 0.45 is trend_stable_low', flat(0.45), 'trend_stable_low'],
    ['a 0.5999999 flat just below high risk is trend_stable_low', flat(0.5999999), 'trend_stable_low'],
    ['a fall from 0.5 to 0.3 is trend_decreasing', [0.3, 0.3, 0.5, 0.5], 'trend_decreasing'],
    ['a rise of exactly 0.10 (0.35 → 0.45) is trend_stable_low', [0.45, 0.45, 0.35, 0.35], 'trend_stable_low'],
  ])('%s', (_promise, scores, reason) => {
    expect(decideFor(scores)).toMatchObject({ outcome: 'no_intervention', reason, trend: reason.replace('trend_', '') });
  });
});

describe('cool-off', () => {
  const at = (ms: number) => new Date(scoreDate.getTime() + ms);

  it.each<[string, Date]>([
    ['an intervention exactly 7 days before the score', at(-7 * DAY)],
    ['an intervention 6 days 23 hours before the score', at(-7 * DAY + 3_600_000)],
    ['an intervention at the very instant of the score', scoreDate],
    ['an intervention after the score (a later score was decided first)', at(DAY)],
  ])('%s cools the customer off', (_when, lastInterventionAt) => {
    expect(decideFor(rising(0.9), noHoldout, { lastInterventionAt })).toMatchObject({ outcome: 'no_intervention', reason: 'cooloff', trend: 'increasing' });
  });

  it('an intervention 7 days and 1 ms before the score does not cool off', () => {
    expect(decideFor(rising(0.9), noHoldout, { lastInterventionAt: at(-7 * DAY - 1) })).toMatchObject({ outcome: 'intervention' });
  });

  it('uses the configured number of days', () => {
    const twoDays: Policy = { ...noHoldout, cooloffDays: 2 };
    expect(decideFor(rising(0.9), twoDays, { lastInterventionAt: at(-2 * DAY) })).toMatchObject({ reason: 'cooloff' });
    expect(decideFor(rising(0.9), twoDays, { lastInterventionAt: at(-2 * DAY - 1) })).toMatchObject({ outcome: 'intervention' });
  });

  it('comes first: before a recent default, an unknown trend and a score below every tier', () => {
    const d = decideFor([0.1], noHoldout, { lastInterventionAt: scoreDate, lastMissedDueDate: '2026-11-24' });
    expect(d).toEqual({ outcome: 'no_intervention', reason: 'cooloff', trend: 'unknown', policyVersion: DEFAULT_POLICY.version });
  });
});

describe('recent default', () => {
  it.each<[string, string, boolean]>([
    ['a payment missed on the score date', '2026-11-25', true],
    ['a payment missed the day before', '2026-11-24', true],
    ['a payment missed exactly 7 days before', '2026-11-18', true],
    ['a payment missed 8 days before', '2026-11-17', false],
    ['a payment missed a year before', '2025-11-25', false],
  ])('%s → recent_default: %s', (_when, lastMissedDueDate, recent) => {
    const d = decideFor(rising(0.9), noHoldout, { lastMissedDueDate });
    if (recent) expect(d).toMatchObject({ outcome: 'no_intervention', reason: 'recent_default' });
    else expect(d).toMatchObject({ outcome: 'intervention', type: 'payment_assistance' });
  });

  it("counts the days from the score's UTC date, whatever its time of day", () => {
    const lastMissedDueDate = '2026-11-18';
    // 2026-11-25T23:30-05:00 is already 2026-11-26 in UTC: the 18th is then 8 days before.
    expect(decideFor(rising(0.9), noHoldout, { scoreDate: new Date('2026-11-25T23:30:00-05:00'), lastMissedDueDate })).toMatchObject({ outcome: 'intervention' });
    expect(decideFor(rising(0.9), noHoldout, { scoreDate: new Date('2026-11-25T23:59:59.999Z'), lastMissedDueDate })).toMatchObject({ reason: 'recent_default' });
    expect(decideFor(rising(0.9), noHoldout, { scoreDate: new Date('2026-11-25T00:00:00Z'), lastMissedDueDate })).toMatchObject({ reason: 'recent_default' });
  });

  it('uses the configured number of days', () => {
    const threeDays: Policy = { ...noHoldout, recentDefaultDays: 3 };
    expect(decideFor(rising(0.9), threeDays, { lastMissedDueDate: '2026-11-22' })).toMatchObject({ reason: 'recent_default' });
    expect(decideFor(rising(0.9), threeDays, { lastMissedDueDate: '2026-11-21' })).toMatchObject({ outcome: 'intervention' });
  });

  it('comes before the trend check', () => {
    expect(decideFor(flat(0.3), noHoldout, { lastMissedDueDate: '2026-11-20' })).toMatchObject({ reason: 'recent_default', trend: 'stable_low' });
  });
});

describe('holdout', () => {
  it('a held-out customer is logged with the type, channels and offers they would have had', () => {
    const treated = decideFor(rising(0.9), withHoldout(0));
    expect(decideFor(rising(0.9), withHoldout(100))).toEqual({ ...treated, outcome: 'holdout' });
  });

  it('applies only to would-be interventions: no reason to stay away is turned into a holdout', () => {
    expect(decideFor(flat(0.3), withHoldout(100))).toMatchObject({ outcome: 'no_intervention', reason: 'trend_stable_low' });
    expect(decideFor([0.15, 0.15, 0, 0], withHoldout(100))).toMatchObject({ outcome: 'no_intervention', reason: 'below_threshold' });
  });

  it('holds out about 5% of would-be interventions at the default policy, by customer id', () => {
    const outcomes = Array.from({ length: 20_000 }, (_, i) => decide(input({ customerId: `C${i}`, riskScore: 0.9, recentScores: rising(0.9) }), DEFAULT_POLICY).outcome);
    const held = outcomes.filter((o) => o === 'holdout').length / outcomes.length;
    expect(held).toBeGreaterThan(0.04);
    expect(held).toBeLessThan(0.06);
    expect(outcomes.filter((o) => o === 'no_intervention')).toHaveLength(0);
  });
});

describe('contactBy', () => {
  it('is the decision time plus the tier’s contact window, in exact hours', () => {
    const decidedAt = new Date('2026-03-07T12:00:00Z');
    const [critical, high, , low] = DEFAULT_POLICY.tiers;
    expect(contactBy(decidedAt, critical!).toISOString()).toBe('2026-03-08T12:00:00.000Z');
    expect(contactBy(decidedAt, high!).toISOString()).toBe('2026-03-12T12:00:00.000Z'); // 5 days
    expect(contactBy(decidedAt, low!).toISOString()).toBe('2026-03-21T12:00:00.000Z'); // 14 days
  });

  it('accepts a decision as well as a tier', () => {
    const d = decideFor(rising(0.9));
    if (d.outcome === 'no_intervention') throw new Error('expected an intervention');
    expect(contactBy(new Date('2026-11-25T10:00:00Z'), d)).toEqual(new Date('2026-11-26T10:00:00Z'));
  });
});

describe('policySchema and DEFAULT_POLICY', () => {
  it('DEFAULT_POLICY is valid and parses to itself', () => {
    expect(policySchema.parse(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
  });

  it('DEFAULT_POLICY cannot be changed by a caller', () => {
    expect(() => {
      (DEFAULT_POLICY.holdout as { percent: number }).percent = 50;
    }).toThrow(TypeError);
    expect(() => DEFAULT_POLICY.tiers[0]!.channels.push('sms')).toThrow(TypeError);
    expect(DEFAULT_POLICY.holdout.percent).toBe(5);
  });

  const issueOf = (change: (p: Policy) => unknown) => {
    const result = policySchema.safeParse(change(structuredClone(DEFAULT_POLICY)));
    if (result.success) throw new Error('expected the policy to be refused');
    const [first] = result.error.issues;
    return { path: first?.path.join('.'), message: first?.message };
  };

  it.each<[string, (p: Policy) => unknown, string, string | RegExp]>([
    ['a tier score above 1', (p) => ({ ...p, tiers: p.tiers.map((t, i) => (i === 1 ? { ...t, minScore: 1.2 } : t)) }), 'tiers.1.minScore', 'must be between 0 and 1'],
    ['tiers not ordered by minScore', (p) => ({ ...p, tiers: [...p.tiers].reverse() }), 'tiers.1.minScore', 'tiers must be ordered from the highest minScore down'],
    ['a tier that can never match a trend', (p) => ({ ...p, tiers: p.tiers.map((t, i) => (i === 2 ? { ...t, requiresTrend: ['decreasing'] } : t)) }), 'tiers.2.requiresTrend.0', /must be increasing or stable_high/],
    ['an empty requiresTrend', (p) => ({ ...p, tiers: p.tiers.map((t, i) => (i === 2 ? { ...t, requiresTrend: [] } : t)) }), 'tiers.2.requiresTrend', /must list a trend/],
    ['a tier with no channel', (p) => ({ ...p, tiers: p.tiers.map((t, i) => (i === 0 ? { ...t, channels: [] } : t)) }), 'tiers.0.channels', 'must name at least one channel'],
    ['a channel named twice', (p) => ({ ...p, tiers: p.tiers.map((t, i) => (i === 0 ? { ...t, channels: ['email', 'email'] } : t)) }), 'tiers.0.channels', 'must not name the same channel twice'],
    ['the same type in two tiers', (p) => ({ ...p, tiers: p.tiers.map((t, i) => (i === 3 ? { ...t, type: 'payment_reminder' } : t)) }), 'tiers.3.type', 'payment_reminder is already an earlier tier'],
    ['a holdout above 100%', (p) => ({ ...p, holdout: { ...p.holdout, percent: 101 } }), 'holdout.percent', 'must be between 0 and 100'],
    ['a trend window of 1', (p) => ({ ...p, trend: { ...p.trend, window: 1 } }), 'trend.window', 'must be at least 2'],
    ['quiet hours ending before they start', (p) => ({ ...p, quietHours: { ...p.quietHours, start: '21:00', end: '08:00' } }), 'quietHours.end', /must be later than start/],
    ['a time such as 24:00', (p) => ({ ...p, quietHours: { ...p.quietHours, end: '24:00' } }), 'quietHours.end', "must be a time such as '08:00'"],
    ['a negative cool-off', (p) => ({ ...p, cooloffDays: -1 }), 'cooloffDays', 'must not be negative'],
    ['an empty version', (p) => ({ ...p, version: ' ' }), 'version', 'must not be empty'],
  ])('refuses %s, naming the field', (_what, change, path, message) => {
    const issue = issueOf(change);
    expect(issue.path).toBe(path);
    expect(issue.message).toMatch(message);
  });

  it('fills in responseWindowDays (7) when a policy predates it', () => {
    const { responseWindowDays: _omitted, ...older } = DEFAULT_POLICY;
    expect(policySchema.parse(older)).toEqual(DEFAULT_POLICY);
  });
});

describe('properties over any input', () => {
  const score = fc.integer({ min: 0, max: 1_000_000 }).map((m) => m / 1_000_000);
  const history = fc.array(score, { minLength: 1, maxLength: 7 });
  const anyInput = fc.record({
    customerId: fc.string({ minLength: 1, maxLength: 12 }),
    recentScores: history,
    lastInterventionAt: fc.option(fc.integer({ min: -20 * DAY, max: 2 * DAY }).map((ms) => new Date(scoreDate.getTime() + ms))),
    lastMissedDueDate: fc.option(fc.integer({ min: 0, max: 20 }).map((days) => new Date(scoreDate.getTime() - days * DAY).toISOString().slice(0, 10))),
  });
  const rank: Record<InterventionType, number> = { payment_assistance: 4, flexible_payment: 3, payment_reminder: 2, financial_wellness: 1 };

  it('every decision is an intervention or holdout of a known type, or no intervention with an allowed reason', () => {
    fc.assert(
      fc.property(anyInput, fc.integer({ min: 0, max: 100 }), (state, percent) => {
        const riskScore = state.recentScores[0] ?? 0;
        const d = decide({ ...state, scoreDate, riskScore }, withHoldout(percent));
        expect(DECISION_OUTCOMES).toContain(d.outcome);
        expect(d.policyVersion).toBe(DEFAULT_POLICY.version);
        if (d.outcome === 'no_intervention') {
          expect(NO_INTERVENTION_REASONS).toContain(d.reason);
          return;
        }
        const tier = DEFAULT_POLICY.tiers.find((t) => t.type === d.type);
        expect(tier).toBeDefined();
        expect(riskScore).toBeGreaterThanOrEqual(tier!.minScore);
        expect(['increasing', 'stable_high']).toContain(d.trend);
        expect(d).toMatchObject({ urgency: tier!.urgency, channels: tier!.channels, offers: tier!.offers, contactWithinHours: tier!.contactWithinHours });
        expect(state.lastInterventionAt === null || state.lastInterventionAt.getTime() < scoreDate.getTime() - 7 * DAY).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('cools off exactly when the last intervention is within 7 days before the score, or after it', () => {
    fc.assert(
      fc.property(anyInput, (state) => {
        const d = decide({ ...state, scoreDate, riskScore: state.recentScores[0] ?? 0 }, noHoldout);
        const within = state.lastInterventionAt !== null && state.lastInterventionAt.getTime() >= scoreDate.getTime() - 7 * DAY;
        expect(d.reason === 'cooloff').toBe(within);
      }),
    );
  });

  it('for the same trend, a higher score never gets less help: an intervention at least as urgent', () => {
    fc.assert(
      fc.property(score, score, fc.array(score, { maxLength: 4 }), (x, y, older) => {
        const [low, high] = x <= y ? [x, y] : [y, x];
        const dLow = decideFor([low, ...older]);
        const dHigh = decideFor([high, ...older]);
        fc.pre(dLow.trend === dHigh.trend);
        if (dLow.outcome === 'no_intervention') return;
        expect(dHigh.outcome).toBe('intervention');
        if (dHigh.outcome === 'no_intervention') return;
        expect(rank[dHigh.type]).toBeGreaterThanOrEqual(rank[dLow.type]);
      }),
      { numRuns: 1000 },
    );
  });

  it('holdout never changes the decision, only whether it is sent', () => {
    fc.assert(
      fc.property(anyInput, (state) => {
        const evaluation = { ...state, scoreDate, riskScore: state.recentScores[0] ?? 0 };
        const held = decide(evaluation, withHoldout(100));
        const treated = decide(evaluation, withHoldout(0));
        const atDefault = decide(evaluation, DEFAULT_POLICY);
        expect(held.outcome === 'holdout' ? { ...held, outcome: 'intervention' } : held).toEqual(treated);
        expect(atDefault.outcome === 'holdout' ? { ...atDefault, outcome: 'intervention' } : atDefault).toEqual(treated);
      }),
      { numRuns: 500 },
    );
  });
});

// Default rates and their differences with confidence intervals clustered by customer: checked
// against worked examples computed by hand, against a direct implementation of the
// cluster-robust variance written here from its definition, and against the Wald interval
// they must reduce to when no customer appears twice.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusteredDifference, clusteredRate, holdoutUplift, Z_95, type ClusterSums } from '../../src/domain/metrics.js';
import { crossSums, referenceDifference, sums, type Outcome } from '../support/clustered-reference.js';

/** Builds outcomes from 'customer:group:n:defaults' lines. */
const outcomesOf = (...specs: string[]): Outcome[] =>
  specs.flatMap((spec) => {
    const [customer, group, n, y] = spec.split(':');
    return Array.from({ length: Number(n) }, (_, k) => ({ customer: customer!, group: group as 'a' | 'b', defaulted: k < Number(y) }));
  });

describe('clustered rates and differences, worked by hand', () => {
  // Holdout (a): c5 1 of 1, c6 1 of 1, c7 1 of 2 defaulted → 3/4. Treated (b): c1 1 of 2, c2 0 of
  // 1, c3 1 of 1, c4 0 of 2 → 2/6 = 1/3. Residuals y_i − p·n_i: holdout 1/4, 1/4, −1/2 (squares
  // sum 3/8, over 4² → V = 3/128); treated 1/3, −1/3, 2/3, −2/3 (squares 10/9, over 6² → 5/162).
  // Uplift 3/4 − 1/3 = 5/12; Var = 3/128 + 5/162 = 563/10368, se = 0.2330272463272572;
  // CI = 5/12 ± 1.959963984540054·se = [−0.0400583435513010, 0.8733916768846343] (bc -l).
  const outcomes = outcomesOf('c5:a:1:1', 'c6:a:1:1', 'c7:a:2:1', 'c1:b:2:1', 'c2:b:1:0', 'c3:b:1:1', 'c4:b:2:0');

  it('gives the uplift of two disjoint groups with its clustered interval', () => {
    const uplift = clusteredDifference(sums(outcomes, 'a'), sums(outcomes, 'b'));
    expect(uplift.value).toBeCloseTo(5 / 12, 14);
    expect(uplift.ci_low).toBeCloseTo(-0.040058343551301, 13);
    expect(uplift.ci_high).toBeCloseTo(0.8733916768846343, 13);
  });

  it('gives a group\'s default rate with its clustered interval: 1/3 ± 1.96·√(5/162)', () => {
    const treated = clusteredRate(sums(outcomes, 'b'));
    expect(treated.value).toBeCloseTo(1 / 3, 14);
    // √(5/162) = 0.1756820922315766; 1/3 ∓ z·that (bc -l).
    expect(treated.ci_low).toBeCloseTo(-0.0109972401692009, 13);
    expect(treated.ci_high).toBeCloseTo(0.6776639068358675, 13);
  });

  it('counts the covariance of a customer found in both groups', () => {
    // a: c1 1 of 2, c2 0 of 1 → 1/3; b: c1 1 of 1, c3 1 of 3 → 1/2. Residuals a: c1 1/3, c2 −1/3
    // (V_a = (2/9)/3² = 2/81); b: c1 1/2, c3 −1/2 (V_b = (1/2)/4² = 1/32). c1 in both:
    // Cov = (1/3)(1/2)/(3·4) = 1/72. Var = 2/81 + 1/32 − 2/72 = 73/2592, se = 0.1678200829665913;
    // difference −1/6, CI [−0.4955879851637094, 0.1622546518303760] (bc -l).
    const shared = outcomesOf('c1:a:2:1', 'c2:a:1:0', 'c1:b:1:1', 'c3:b:3:1');
    expect(crossSums(shared)).toEqual({ yy: 1, yn: 1, ny: 2, nn: 2 });
    const difference = clusteredDifference(sums(shared, 'a'), sums(shared, 'b'), crossSums(shared));
    expect(difference.value).toBeCloseTo(-1 / 6, 14);
    expect(difference.ci_low).toBeCloseTo(-0.4955879851637094, 13);
    expect(difference.ci_high).toBeCloseTo(0.162254651830376, 13);
  });

  it('is the plain Wald interval when no customer appears twice', () => {
    // 40 of 200 holdout customers and 100 of 1,000 treated ones defaulted, once each.
    const once = [...outcomesOf(...Array.from({ length: 200 }, (_, i) => `h${i}:a:1:${i < 40 ? 1 : 0}`)), ...outcomesOf(...Array.from({ length: 1000 }, (_, i) => `t${i}:b:1:${i < 100 ? 1 : 0}`))];
    const clustered = clusteredDifference(sums(once, 'a'), sums(once, 'b'));
    const wald = holdoutUplift({ matured: 1000, defaults: 100 }, { matured: 200, defaults: 40 });
    expect(clustered.value).toBeCloseTo(wald.absolute_uplift!, 14);
    expect(clustered.ci_low).toBeCloseTo(wald.ci_low!, 14);
    expect(clustered.ci_high).toBeCloseTo(wald.ci_high!, 14);
  });

  it('is wider than the Wald interval when a customer\'s repeated outcomes go together', () => {
    // 50 holdout customers, 3 interventions each, all-or-nothing defaults; against 300 singles.
    const repeated = [...outcomesOf(...Array.from({ length: 50 }, (_, i) => `h${i}:a:3:${i < 15 ? 3 : 0}`)), ...outcomesOf(...Array.from({ length: 300 }, (_, i) => `t${i}:b:1:${i < 30 ? 1 : 0}`))];
    const clustered = clusteredDifference(sums(repeated, 'a'), sums(repeated, 'b'));
    const wald = holdoutUplift({ matured: 300, defaults: 30 }, { matured: 150, defaults: 45 });
    expect(clustered.value).toBeCloseTo(wald.absolute_uplift!, 14);
    expect(clustered.ci_high! - clustered.ci_low!).toBeGreaterThan(1.5 * (wald.ci_high! - wald.ci_low!));
  });

  it('says nothing while a group has no matured intervention', () => {
    const none: ClusterSums = { clusters: 0, n: 0, y: 0, yy: 0, yn: 0, nn: 0 };
    expect(clusteredRate(none)).toEqual({ value: null, ci_low: null, ci_high: null });
    expect(clusteredDifference(sums(outcomesOf('c1:a:1:0'), 'a'), none)).toEqual({ value: null, ci_low: null, ci_high: null });
  });
});

describe('clusteredDifference against the reference implementation', () => {
  const outcome = fc.record({ customer: fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `c${i}`)), group: fc.constantFrom<'a' | 'b'>('a', 'b'), defaulted: fc.boolean() });

  it('agrees on any outcomes, customers in one or both groups, repeated or not', () => {
    fc.assert(
      fc.property(fc.array(outcome, { minLength: 2, maxLength: 80 }), (outcomes) => {
        fc.pre(outcomes.some((o) => o.group === 'a') && outcomes.some((o) => o.group === 'b'));
        const reference = referenceDifference(outcomes);
        const mine = clusteredDifference(sums(outcomes, 'a'), sums(outcomes, 'b'), crossSums(outcomes));
        expect(mine.value).toBeCloseTo(reference.value, 12);
        expect(mine.ci_low).toBeCloseTo(reference.value - Z_95 * reference.se, 9);
        expect(mine.ci_high).toBeCloseTo(reference.value + Z_95 * reference.se, 9);
      }),
      { numRuns: 500 },
    );
  });
});

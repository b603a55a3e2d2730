// The holdout comparison's arithmetic, checked against values computed by hand.
import { describe, expect, it } from 'vitest';
import { holdoutUplift, rate } from '../../src/domain/metrics.js';

describe('holdoutUplift', () => {
  it('gives the difference in default rates with its 95% Wald interval', () => {
    // Treated: 100 of 1,000 defaulted (10%); holdout: 40 of 200 (20%). Uplift 10 points.
    // se = √(0.1·0.9/1000 + 0.2·0.8/200) = √0.00089 = 0.0298328677803526
    // CI = 0.1 ± 1.959963984540054 · se = [0.0415286532, 0.1584713468]
    const uplift = holdoutUplift({ matured: 1000, defaults: 100 }, { matured: 200, defaults: 40 });
    expect(uplift.treated_default_rate).toBe(0.1);
    expect(uplift.holdout_default_rate).toBe(0.2);
    expect(uplift.absolute_uplift).toBeCloseTo(0.1, 12);
    expect(uplift.ci_low).toBeCloseTo(0.0415286532, 9);
    expect(uplift.ci_high).toBeCloseTo(0.1584713468, 9);
    expect([uplift.treated_n, uplift.holdout_n]).toEqual([1000, 200]);
  });

  it('is negative when the treated group defaults more', () => {
    const uplift = holdoutUplift({ matured: 100, defaults: 30 }, { matured: 100, defaults: 20 });
    expect(uplift.absolute_uplift).toBeCloseTo(-0.1, 12);
    expect(uplift.ci_high!).toBeGreaterThan(uplift.absolute_uplift!);
  });

  it('says nothing while a group has no matured outcome', () => {
    expect(holdoutUplift({ matured: 50, defaults: 5 }, { matured: 0, defaults: 0 })).toEqual({
      treated_default_rate: 0.1,
      holdout_default_rate: null,
      absolute_uplift: null,
      ci_low: null,
      ci_high: null,
      treated_n: 50,
      holdout_n: 0,
    });
  });

  it('has a zero-width interval when both rates are 0 or 1', () => {
    expect(holdoutUplift({ matured: 10, defaults: 0 }, { matured: 10, defaults: 10 })).toMatchObject({ absolute_uplift: 1, ci_low: 1, ci_high: 1 });
  });
});

describe('rate', () => {
  it('divides, and is null over nothing', () => {
    expect(rate(3, 4)).toBe(0.75);
    expect(rate(0, 0)).toBeNull();
  });
});

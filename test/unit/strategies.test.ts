// Assigning customers to strategies: each gets its normalised weight of the customers, the same
// customers on every batch, and adding, retiring or reweighting a strategy moves only the
// customers that must move. The holdout stays what it was whatever the strategies are.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EvaluationState } from '../../src/db/evaluation-state.js';
import { armDraw, assignArm, type Arm } from '../../src/domain/assignment.js';
import { DEFAULT_POLICY, decide, type Policy } from '../../src/domain/policy.js';
import { makeStrategySet, strategyFor, trafficShares, type Strategy } from '../../src/domain/strategies.js';
import { toDecisionRecord } from '../../src/evaluation/evaluate-scores.js';

const ids = (n: number, prefix = 'C') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const population = ids(100_000);
// Properties that need fewer customers to show than the split's precision does. Every figure
// here is deterministic (fixed ids, fixed hashes); the bounds on shares are 3-6 standard errors
// of a share of that many customers, so a bound crossed means a skewed hash, not bad luck.
const customers = ids(20_000);
const SALT = 'strategy-assignment-v1';

/** Each arm's share of `customers`. */
function split(customers: readonly string[], arms: readonly Arm[], salt = SALT): Map<string, number> {
  const counts = new Map(arms.map((a) => [a.name, 0]));
  for (const id of customers) {
    const name = assignArm(id, arms, salt).name;
    counts.set(name, counts.get(name)! + 1);
  }
  return new Map([...counts].map(([name, n]) => [name, n / customers.length]));
}

const assignments = (customers: readonly string[], arms: readonly Arm[], salt = SALT) => new Map(customers.map((id) => [id, assignArm(id, arms, salt).name]));

describe('assignArm', () => {
  it.each<[string, Arm[]]>([
    ['80 / 20', [{ name: 'default', weight: 80 }, { name: 'sms_first', weight: 20 }]],
    ['70 / 20 / 10', [{ name: 'a', weight: 70 }, { name: 'b', weight: 20 }, { name: 'c', weight: 10 }]],
    ['weights 1, 1, 2 (normalised: 25 / 25 / 50)', [{ name: 'x', weight: 1 }, { name: 'y', weight: 1 }, { name: 'z', weight: 2 }]],
  ])('splits 100,000 customers %s within one point of the weights', (_what, arms) => {
    const shares = split(population, arms);
    const expected = trafficShares(arms);
    for (const arm of arms) expect(Math.abs(shares.get(arm.name)! * 100 - expected.get(arm.name)!), arm.name).toBeLessThan(1);
  });

  it('puts a customer in the same strategy on every batch: sha256 of salt:name:id, pinned', () => {
    const arms = [{ name: 'default', weight: 80 }, { name: 'sms_first', weight: 20 }];
    // Pinned: a change here would silently move customers between strategies mid-experiment.
    expect(armDraw('C1', 'default', 'salt')).toBe(0.5480743159202479);
    const pinned = Array.from({ length: 40 }, (_, i) => `CUST-${String(i).padStart(5, '0')}`);
    const inChallenger = () => pinned.flatMap((id, i) => (assignArm(id, arms, SALT).name === 'sms_first' ? [i] : []));
    expect(inChallenger()).toEqual([4, 12, 14, 21, 29, 34]);
    expect(inChallenger()).toEqual([4, 12, 14, 21, 29, 34]);
    // The order the strategies are listed in does not matter.
    expect(assignments(pinned, arms)).toEqual(assignments(pinned, [...arms].reverse()));
  });

  it('adding a challenger only takes customers into it', () => {
    const before = assignments(customers, [{ name: 'default', weight: 80 }, { name: 'a', weight: 20 }]);
    const after = assignments(customers, [{ name: 'default', weight: 80 }, { name: 'a', weight: 20 }, { name: 'b', weight: 25 }]);
    const moved = customers.filter((id) => before.get(id) !== after.get(id));
    expect(moved.every((id) => after.get(id) === 'b')).toBe(true);
    expect(Math.abs(moved.length / customers.length - 0.2)).toBeLessThan(0.015);
  });

  it('retiring a challenger sends only its customers to the others, in proportion to their weights', () => {
    const arms = [{ name: 'default', weight: 60 }, { name: 'a', weight: 20 }, { name: 'b', weight: 20 }];
    const before = assignments(customers, arms);
    const after = assignments(customers, arms.filter((a) => a.name !== 'b'));
    const moved = customers.filter((id) => before.get(id) !== after.get(id));
    expect(moved.every((id) => before.get(id) === 'b')).toBe(true);
    expect(moved.length).toBe(customers.filter((id) => before.get(id) === 'b').length);
    const toDefault = moved.filter((id) => after.get(id) === 'default').length / moved.length;
    expect(Math.abs(toDefault - 0.75)).toBeLessThan(0.04);
  });

  it('raising a weight only moves customers into that strategy', () => {
    const before = assignments(customers, [{ name: 'default', weight: 80 }, { name: 'a', weight: 20 }]);
    const after = assignments(customers, [{ name: 'default', weight: 80 }, { name: 'a', weight: 40 }]);
    expect(customers.filter((id) => before.get(id) !== after.get(id)).every((id) => after.get(id) === 'a')).toBe(true);
  });

  it('promoting a challenger moves nobody: the champion flag plays no part in the assignment', () => {
    const before = makeStrategySet([champion, challenger], SALT);
    const after = makeStrategySet([{ ...champion, champion: false }, { ...challenger, champion: true }], SALT);
    expect(customers.every((id) => strategyFor(before, id).name === strategyFor(after, id).name)).toBe(true);
  });

  it('a new salt reshuffles the customers: the challengers share about their weight of each other', () => {
    const arms = [{ name: 'default', weight: 80 }, { name: 'a', weight: 20 }];
    const some = customers;
    const first = some.filter((id) => assignArm(id, arms, 'salt-1').name === 'a');
    const second = new Set(some.filter((id) => assignArm(id, arms, 'salt-2').name === 'a'));
    const overlap = first.filter((id) => second.has(id)).length / first.length;
    expect(Math.abs(overlap - 0.2)).toBeLessThan(0.03);
  });

  it('always answers one of the arms, whatever the id, salt and weights', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 6 }), (id, salt, weights) => {
        const arms = weights.map((weight, i) => ({ name: `s${i}`, weight }));
        expect(arms).toContain(assignArm(id, arms, salt));
        const draw = armDraw(id, 's0', salt);
        expect(draw).toBeGreaterThan(0);
        expect(draw).toBeLessThan(1);
      }),
    );
  });
});

// A challenger that contacts from 0.55 instead of 0.60, by SMS first.
const challengerPolicy: Policy = {
  ...DEFAULT_POLICY,
  version: 'sms-first-1',
  tiers: DEFAULT_POLICY.tiers.map((t) => (t.type === 'flexible_payment' ? { ...t, minScore: 0.55, channels: ['sms', 'email', 'app_notification'] } : t)),
};
const champion: Strategy = { name: 'default', weight: 80, champion: true, policy: DEFAULT_POLICY };
const challenger: Strategy = { name: 'sms_first', weight: 20, champion: false, policy: challengerPolicy };

describe('the holdout, whatever the strategies', () => {
  // A score every strategy here would act on: 0.9 and rising.
  const wouldContact = (customerId: string) => ({ customerId, scoreDate: new Date('2026-11-25T06:00:00Z'), riskScore: 0.9, recentScores: [0.9, 0.8, 0.7], lastInterventionAt: null, lastMissedDueDate: null });
  const heldOut = (strategies: Strategy[]) => {
    const set = makeStrategySet(strategies, SALT);
    return customers.filter((id) => decide(wouldContact(id), strategyFor(set, id).policy).outcome === 'holdout');
  };

  it('holds out the same customers with the champion alone, with a challenger added, and with it retired for another', () => {
    const alone = heldOut([champion]);
    expect(Math.abs(alone.length / customers.length - 0.05)).toBeLessThan(0.005);
    expect(heldOut([champion, challenger])).toEqual(alone);
    expect(heldOut([champion, { ...challenger, name: 'another', weight: 300 }])).toEqual(alone);
  });

  it('assigns held-out customers to strategies by weight too, so that each strategy has a holdout of its own', () => {
    const set = makeStrategySet([champion, challenger], SALT);
    const held = heldOut([champion, challenger]);
    const inChallenger = held.filter((id) => strategyFor(set, id).name === 'sms_first').length / held.length;
    expect(Math.abs(inChallenger - 0.2)).toBeLessThan(0.05);
  });
});

describe('deciding with the customer\'s own strategy', () => {
  const set = makeStrategySet([champion, challenger], SALT);
  const inArm = (name: string) => population.find((id) => strategyFor(set, id).name === name && decide({ customerId: id, scoreDate: new Date(), riskScore: 0.9, recentScores: [0.9, 0.8], lastInterventionAt: null, lastMissedDueDate: null }, DEFAULT_POLICY).outcome === 'intervention')!;
  const messages = { publicBaseUrl: 'https://engine.example.com', signingSecret: 'secret-for-tests-0123', sender: { name: 'Care', email: 'care@example.com', phone: '+1 800 555 0100', helpUrl: 'https://help.example.com' } };
  const state = (customerId: string): EvaluationState => ({
    ref: { customerId, scoreDate: '2026-11-25T06:00:00.000Z' },
    scoreDate: new Date('2026-11-25T06:00:00Z'),
    riskScore: 0.57,
    customer: { customerId, fullName: 'Ana García', email: 'a@example.com', phone: '+34612345678', timezone: 'Europe/Madrid', locale: 'es', smsConsent: true },
    recentScores: [0.57, 0.55, 0.35],
    lastInterventionAt: null,
    lastMissedDueDate: null,
    nextPayment: { dueDate: '2026-12-03', amount: '182.40', currency: 'EUR' },
    existingDecisionId: null,
  });

  it('records the strategy and its policy version, and applies that policy\'s thresholds and channels', () => {
    const mine = toDecisionRecord(state(inArm('sms_first')), { strategies: set, messages }, new Date('2026-11-25T14:00:00Z'));
    expect(mine).toMatchObject({ strategy: 'sms_first', policyVersion: 'sms-first-1', outcome: 'intervention', intervention: { type: 'flexible_payment', channels: ['sms', 'email', 'app_notification'] } });
    // The same score under the champion: below flexible_payment's 0.60, a rising 0.57 is a reminder.
    const theirs = toDecisionRecord(state(inArm('default')), { strategies: set, messages }, new Date('2026-11-25T14:00:00Z'));
    expect(theirs).toMatchObject({ strategy: 'default', policyVersion: DEFAULT_POLICY.version, outcome: 'intervention', intervention: { type: 'payment_reminder', channels: ['email', 'app_notification'] } });
  });

  it('refuses a set without exactly one champion', () => {
    expect(() => makeStrategySet([{ ...champion, champion: false }], SALT)).toThrow(/exactly one champion, found 0/);
    expect(() => makeStrategySet([champion, { ...challenger, champion: true }], SALT)).toThrow(/exactly one champion, found 2/);
  });
});

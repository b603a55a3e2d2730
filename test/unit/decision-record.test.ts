// Turning an evaluated score into what is recorded: the decision, and for an intervention its
// channels and rendered messages.
import { describe, expect, it } from 'vitest';
import type { EvaluationState } from '../../src/db/evaluation-state.js';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';
import { makeStrategySet } from '../../src/domain/strategies.js';
import { toDecisionRecord } from '../../src/evaluation/evaluate-scores.js';

const decidedAt = new Date('2026-11-25T14:00:00Z');
const deps = {
  strategies: makeStrategySet([{ name: 'default', weight: 100, champion: true, policy: { ...DEFAULT_POLICY, holdout: { ...DEFAULT_POLICY.holdout, percent: 0 } } }], 'salt'),
  messages: { publicBaseUrl: 'https://engine.example.com', signingSecret: 'secret-for-tests-0123', sender: { name: 'Customer Care', email: 'care@example.com', phone: '+1 800 555 0100', helpUrl: 'https://help.example.com' } },
};
const state = (fullName: string, over: Partial<EvaluationState> = {}): EvaluationState => ({
  ref: { customerId: 'C1', scoreDate: '2026-11-25T06:00:00.000Z' },
  scoreDate: new Date('2026-11-25T06:00:00Z'),
  riskScore: 0.7,
  customer: { customerId: 'C1', fullName, email: 'c1@example.com', phone: '+34612345678', timezone: 'Europe/Madrid', locale: 'es', smsConsent: true },
  recentScores: [0.7, 0.65, 0.62],
  lastInterventionAt: null,
  lastMissedDueDate: null,
  nextPayment: { dueDate: '2026-12-03', amount: '182.40', currency: 'EUR' },
  existingDecisionId: null,
  ...over,
});

describe('toDecisionRecord', () => {
  it('records a flexible-payment intervention with its messages for every channel', () => {
    const record = toDecisionRecord(state('Ana García'), deps, decidedAt);
    expect(record).toMatchObject({ outcome: 'intervention', trend: 'stable_high', intervention: { type: 'flexible_payment', channels: ['email', 'sms', 'app_notification'] } });
    expect(Object.keys(record.intervention!.messages!).sort()).toEqual(['app_notification', 'email', 'sms']);
    expect(record.intervention!.contactBy.toISOString()).toBe('2026-11-30T14:00:00.000Z');
  });

  it('drops only the SMS channel when even the short wording cannot fit a very long name in two segments', () => {
    const name = `${'Maximilianaéíóú'.repeat(6)} Fernández`;
    const record = toDecisionRecord(state(name), deps, decidedAt);
    expect(record.outcome).toBe('intervention');
    expect(record.intervention!.channels).toEqual(['email', 'app_notification']);
    expect(record.intervention!.messages).not.toHaveProperty('sms');
  });

  it('decides a score whose customer row is gone, so that it is not retried forever', () => {
    expect(toDecisionRecord(state('x', { customer: null }), deps, decidedAt)).toMatchObject({ outcome: 'no_intervention', reason: 'unknown_customer', intervention: null });
  });
});

// Evaluating scores: lock the customers, read the strategies in force and the customers' state,
// decide each with the policy of the customer's strategy (pure), render the messages of each
// intervention, and record everything in one transaction.
import type { Clock } from '../clock.js';
import { recordDecisions, findPendingDeliveries, type DecisionRecord, type NewDelivery } from '../db/decisions.js';
import { lockCustomers, loadEvaluationStates, type EvaluationState } from '../db/evaluation-state.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { contactBy as contactByOf, decide } from '../domain/policy.js';
import { strategyFor, type StrategySet } from '../domain/strategies.js';
import { signUnsubscribeToken } from '../domain/unsubscribe-token.js';
import { SmsTooLongError } from '../errors.js';
import { primaryMessageText, renderMessages } from '../messages/render.js';
import type { RenderedMessages } from '../messages/schema.js';
import type { ScoreRef } from '../queues/names.js';
import type { LiveStrategies } from '../strategies/live-strategies.js';

export interface MessageSettings {
  publicBaseUrl: string;
  signingSecret: string;
  sender: { name: string; email: string; phone: string; helpUrl: string };
}

export interface EvaluationDeps {
  pool: Pool;
  strategies: LiveStrategies;
  clock: Clock;
  messages: MessageSettings;
}

export interface EvaluationResult {
  decided: number;
  alreadyDecided: number;
  /** deliveries to hand to the channel queues once the transaction has committed */
  deliveries: NewDelivery[];
}

export function toDecisionRecord(state: EvaluationState, deps: { strategies: StrategySet; messages: MessageSettings }, decidedAt: Date): DecisionRecord {
  const strategy = strategyFor(deps.strategies, state.ref.customerId);
  const base = {
    customerId: state.ref.customerId,
    scoreDate: state.scoreDate,
    riskScore: state.riskScore,
    strategy: strategy.name,
    policyVersion: strategy.policy.version,
    decidedAt,
  };
  if (!state.customer) {
    // The score outlived its customer row, or the customer's personal data was erased: decided,
    // so that the score is not retried forever, and nobody is contacted.
    return { ...base, outcome: 'no_intervention', reason: 'unknown_customer', trend: 'unknown', intervention: null };
  }
  const decision = decide(
    {
      customerId: state.ref.customerId,
      scoreDate: state.scoreDate,
      riskScore: state.riskScore,
      recentScores: state.recentScores,
      lastInterventionAt: state.lastInterventionAt,
      lastMissedDueDate: state.lastMissedDueDate,
    },
    strategy.policy,
  );
  if (decision.outcome === 'no_intervention') {
    return { ...base, outcome: decision.outcome, reason: decision.reason, trend: decision.trend, intervention: null };
  }
  const contactBy = contactByOf(decidedAt, decision);
  const holdout = decision.outcome === 'holdout';
  let channels = decision.channels;
  let messages: RenderedMessages | null = null;
  if (!holdout) {
    const context = {
      customer: state.customer,
      payment: state.nextPayment,
      type: decision.type,
      offers: decision.offers,
      contactBy,
      unsubscribeUrl: `${deps.messages.publicBaseUrl}/unsubscribe/${signUnsubscribeToken(state.customer.customerId, deps.messages.signingSecret)}`,
      sender: deps.messages.sender,
    };
    try {
      messages = renderMessages(context, channels);
    } catch (error) {
      // A name so long that even the short SMS wording needs a third segment: this customer is
      // reached on the other channels rather than the whole chunk of scores failing.
      if (!(error instanceof SmsTooLongError)) throw error;
      channels = channels.filter((channel) => channel !== 'sms');
      messages = renderMessages(context, channels);
    }
  }
  return {
    ...base,
    outcome: decision.outcome,
    reason: null,
    trend: decision.trend,
    intervention: {
      type: decision.type,
      urgency: decision.urgency,
      channels,
      offers: decision.offers,
      contactBy,
      holdout,
      messages,
      messageSent: messages ? primaryMessageText(messages, channels) : null,
    },
  };
}

export async function evaluateScores(deps: EvaluationDeps, refs: readonly ScoreRef[]): Promise<EvaluationResult> {
  return withTransaction(deps.pool, async (client) => {
    await lockCustomers(client, refs.map((ref) => ref.customerId));
    const strategies = await deps.strategies.current(client);
    const trendWindow = Math.max(...strategies.strategies.map((s) => s.policy.trend.window));
    const states = await loadEvaluationStates(client, refs, trendWindow);
    const decidedAt = deps.clock.now();
    const fresh = states.filter((state) => state.existingDecisionId === null);
    const recorded = await recordDecisions(client, fresh.map((state) => toDecisionRecord(state, { strategies, messages: deps.messages }, decidedAt)));
    const alreadyDecided = states.filter((state) => state.existingDecisionId !== null).map((state) => state.ref);
    const leftOver = await findPendingDeliveries(client, alreadyDecided);
    return {
      decided: recorded.decisionIds.size,
      alreadyDecided: alreadyDecided.length,
      deliveries: [...recorded.deliveries, ...leftOver],
    };
  });
}

// What a delivery job does with each of its deliveries, decided without I/O: who may not be
// contacted (opt-outs, consent, addresses), who must wait for quiet hours to end, who is ready
// to send, and what a provider's answer comes to. A lone delivery is a batch of one.
import { ProviderError, errorMessage } from '../errors.js';
import { contactBlock } from './contact-rules.js';
import type { Policy } from './policy.js';
import { nextContactTime } from './quiet-hours.js';
import type { Channel, Customer, DeliveryStatus } from './types.js';

/** What the plan needs to know of a delivery. */
export interface DeliveryCandidate {
  deliveryId: number;
  interventionId: number;
  channel: Channel;
  status: DeliveryStatus;
  customer: Customer;
  /** the suppression's reason when the customer opted out of this channel */
  suppressedBecause: string | null;
  /** the quiet hours of the strategy that decided (the champion's once that strategy is retired) */
  quietHours: Policy['quietHours'];
}

/** Settled without an attempt: suppressed, or failed for a missing address or message. */
export interface Unattempted {
  deliveryId: number;
  interventionId: number;
  status: 'suppressed' | 'failed';
  reason: string;
}

export interface DeliveryPlan<T extends DeliveryCandidate> {
  blocked: Unattempted[];
  /** waiting for quiet hours to end, and when they end */
  quiet: { deliveryId: number; interventionId: number; until: Date }[];
  /** may be claimed and sent now */
  ready: T[];
  /** claimed by an attempt that has not recorded its outcome (still sending, or died) */
  inFlight: T[];
}

/** Sorts a job's deliveries; settled ones (a duplicate or late job) are left out. */
export function planDeliveries<T extends DeliveryCandidate>(candidates: readonly T[], now: Date): DeliveryPlan<T> {
  const plan: DeliveryPlan<T> = { blocked: [], quiet: [], ready: [], inFlight: [] };
  for (const candidate of candidates) {
    if (candidate.status === 'sending') plan.inFlight.push(candidate);
    if (candidate.status !== 'pending' && candidate.status !== 'scheduled') continue;
    const ids = { deliveryId: candidate.deliveryId, interventionId: candidate.interventionId };
    const block = contactBlock(candidate.channel, candidate.customer, candidate.suppressedBecause);
    const opensAt = block ? null : quietHoursOpening(candidate, now);
    if (block) plan.blocked.push({ ...ids, ...block });
    else if (opensAt) plan.quiet.push({ ...ids, until: opensAt });
    else plan.ready.push(candidate);
  }
  return plan;
}

/** When quiet hours keep this channel from contacting the customer now: when they end; else null. */
export function quietHoursOpening(candidate: Pick<DeliveryCandidate, 'channel' | 'customer' | 'quietHours'>, now: Date): Date | null {
  if (!candidate.quietHours.channels.includes(candidate.channel)) return null;
  const opensAt = nextContactTime(now, candidate.customer.timezone, candidate.quietHours);
  return opensAt.getTime() > now.getTime() ? opensAt : null;
}

/** A claim older than this cannot still be waiting for its provider's answer. */
export function claimedBefore(now: Date, staleSendingMs: number, lastAttempt: boolean): Date {
  // On the last attempt nothing will come back for it: every claim found is settled now.
  return lastAttempt ? new Date(now.getTime() + 1) : new Date(now.getTime() - staleSendingMs);
}

/** What one attempt at a claimed delivery came to. */
export type AttemptOutcome =
  | { deliveryId: number; status: 'sent'; providerMessageId: string | null }
  /** refused for good, or retried until the budget ran out */
  | { deliveryId: number; status: 'failed'; error: string }
  /** the provider may have accepted it: never sent again; its webhook settles it */
  | { deliveryId: number; status: 'unknown'; error: string }
  /** released for another attempt later (a 5xx, a 429, unreachable) */
  | { deliveryId: number; status: 'pending'; error: string; retryAfterMs?: number };

/** The outcome of a provider call that threw: the one place a failure becomes retry, failure or unknown. */
export function failedAttempt(deliveryId: number, error: unknown, lastAttempt: boolean): AttemptOutcome {
  if (!(error instanceof ProviderError)) {
    // Not a provider's answer (a bug, a broken connection pool): whether the request went out
    // cannot be told. Never guess.
    return { deliveryId, status: 'unknown', error: `outcome unknown: ${errorMessage(error)}` };
  }
  const reason = describeProviderError(error);
  if (error.details.outcomeUnknown) return { deliveryId, status: 'unknown', error: `outcome unknown: ${reason}` };
  if (!error.retryable) return { deliveryId, status: 'failed', error: reason };
  if (lastAttempt) return { deliveryId, status: 'failed', error: `gave up after retries: ${reason}` };
  const { retryAfterMs } = error.details;
  return retryAfterMs === undefined ? { deliveryId, status: 'pending', error: reason } : { deliveryId, status: 'pending', error: reason, retryAfterMs };
}

export function describeProviderError(error: ProviderError): string {
  const { provider, status, code } = error.details;
  const parts = [provider, status ? `HTTP ${status}` : null, code ? `code ${code}` : null].filter(Boolean).join(' ');
  return `${parts}: ${error.message}`;
}

/** What a delivery job could not settle, for the queue to bring back later. */
export interface DeliveryFollowUps {
  /** waiting for quiet hours to end, and when they end */
  scheduled: { deliveryId: number; until: Date }[];
  /** another attempt: a retryable failure, a Retry-After, or a claim still in flight */
  retry: number[];
  /** the longest Retry-After a provider answered with, when one asked us to slow down */
  retryAfterMs?: number;
}

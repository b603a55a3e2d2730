// Delivering one delivery row, whatever the channel: may we contact them (opt-outs, consent,
// address)? may we now (quiet hours)? then claim the row and send, or write it locally, and
// record the outcome. The claim (pending → sending) is what makes a send happen at most once.
import type { Clock } from '../clock.js';
import {
  claimDelivery,
  loadDeliveryWork,
  markUnknown,
  markUnknownIfStale,
  recordSendOutcome,
  refreshInterventionDeliveryStatus,
  releaseForRetry,
  scheduleDelivery,
  settleUnattempted,
  type DeliveryWork,
} from '../db/deliveries.js';
import { withTransaction, type Pool, type PoolClient } from '../db/pool.js';
import { contactBlock } from '../domain/contact-rules.js';
import type { Policy } from '../domain/policy.js';
import { nextContactTime } from '../domain/quiet-hours.js';
import { UnusableMessageError } from '../channels/stored-messages.js';
import { ProviderError } from '../errors.js';
import type { DeliveryMetrics } from '../observability.js';

/** Sends through a provider; throws ProviderError. */
export interface ProviderTransport {
  kind: 'provider';
  provider: string;
  send(work: DeliveryWork): Promise<{ providerMessageId: string | null }>;
}

/** Writes the delivery inside our own database (inbox, agent task, outbox), in the claim's transaction. */
export interface LocalTransport {
  kind: 'local';
  provider: string;
  /** the status the delivery ends in: 'sent' for inbox and agent tasks, 'outbox' for the outbox */
  settlesAs: 'sent' | 'outbox';
  write(client: PoolClient, work: DeliveryWork, at: Date): Promise<void>;
}

export type Transport = ProviderTransport | LocalTransport;

export type DeliverResult =
  | { kind: 'settled'; status: string }
  | { kind: 'skipped'; reason: string }
  | { kind: 'delayed'; until: Date };

/** A failure worth another attempt later; carries the provider's Retry-After when it gave one. */
export class RetryLater extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryLater';
  }
}

/** A send takes at most the provider timeout; a row still 'sending' long after that was orphaned. */
export const STALE_SENDING_MS = 60_000;

/** Twice the provider timeout: past it, a claimed send cannot still be waiting for its answer. */
export function staleSendingMs(providerTimeoutMs: number): number {
  return 2 * providerTimeoutMs;
}

export interface DeliverDeps {
  pool: Pool;
  clock: Clock;
  policy: Policy;
  metrics?: DeliveryMetrics;
  /** how long a claimed send may stay unanswered before it is unknown (default STALE_SENDING_MS) */
  staleSendingMs?: number;
}

export async function deliver(deps: DeliverDeps, deliveryId: number, transport: Transport, attempt: { last: boolean }): Promise<DeliverResult> {
  const now = deps.clock.now();
  const work = await loadDeliveryWork(deps.pool, deliveryId);
  if (!work) return { kind: 'skipped', reason: 'no such delivery' };

  if (work.status === 'sending') {
    // Claimed longer ago than any send can take, or this is the job's last attempt: whoever
    // claimed it is gone, and whether the provider accepted it is unknown.
    const claimedBefore = attempt.last ? new Date(now.getTime() + 1) : new Date(now.getTime() - (deps.staleSendingMs ?? STALE_SENDING_MS));
    if (await markUnknownIfStale(deps.pool, deliveryId, claimedBefore, now)) {
      await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, now);
      return { kind: 'settled', status: 'unknown' };
    }
    throw new RetryLater('another attempt is sending this delivery right now');
  }
  if (work.status !== 'pending' && work.status !== 'scheduled') return { kind: 'skipped', reason: `already ${work.status}` };

  const block = contactBlock(work.channel, work.customer, work.suppressedBecause);
  if (block) {
    if (await settleUnattempted(deps.pool, deliveryId, block.status, block.reason, now)) {
      await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, now);
    }
    return { kind: 'settled', status: block.status };
  }

  if (deps.policy.quietHours.channels.includes(work.channel)) {
    const opensAt = nextContactTime(now, work.customer.timezone, deps.policy.quietHours);
    if (opensAt.getTime() > now.getTime()) {
      await scheduleDelivery(deps.pool, deliveryId, opensAt, now);
      await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, now);
      return { kind: 'delayed', until: opensAt };
    }
  }

  return transport.kind === 'local' ? deliverLocally(deps, work, transport, now) : sendThroughProvider(deps, work, transport, now, attempt);
}

async function deliverLocally(deps: DeliverDeps, work: DeliveryWork, transport: LocalTransport, now: Date): Promise<DeliverResult> {
  const settled = await withTransaction(deps.pool, async (client) => {
    if (!(await claimDelivery(client, work.deliveryId, now))) return false;
    await transport.write(client, work, now);
    await recordSendOutcome(client, work.deliveryId, { status: transport.settlesAs, provider: transport.provider }, now);
    return true;
  });
  // After the commit, so that it sees every other delivery of the intervention settled so far.
  if (settled) await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, now);
  return settled ? { kind: 'settled', status: transport.settlesAs } : { kind: 'skipped', reason: 'claimed by another attempt' };
}

async function sendThroughProvider(
  deps: DeliverDeps,
  work: DeliveryWork,
  transport: ProviderTransport,
  now: Date,
  attempt: { last: boolean },
): Promise<DeliverResult> {
  if (!(await claimDelivery(deps.pool, work.deliveryId, now))) return { kind: 'skipped', reason: 'claimed by another attempt' };
  let outcome: { status: 'sent' | 'failed'; providerMessageId?: string | null; error?: string };
  const timer = deps.metrics?.providerLatency.startTimer({ provider: transport.provider });
  try {
    const accepted = await transport.send(work);
    timer?.({ outcome: 'accepted' });
    outcome = { status: 'sent', providerMessageId: accepted.providerMessageId };
  } catch (error) {
    timer?.({ outcome: error instanceof ProviderError ? (error.retryable ? 'retryable' : error.details.outcomeUnknown ? 'unknown' : 'refused') : 'error' });
    if (!(error instanceof ProviderError)) {
      // Building the request failed (a message we cannot send): nothing went out, and nothing will.
      if (error instanceof UnusableMessageError) {
        await recordSendOutcome(deps.pool, work.deliveryId, { status: 'failed', provider: transport.provider, error: error.message }, deps.clock.now());
        await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, deps.clock.now());
        throw error;
      }
      // Not a provider's answer: we cannot tell whether the request went out. Never guess.
      await markUnknown(deps.pool, work.deliveryId, error instanceof Error ? error.message : String(error), deps.clock.now());
      await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, deps.clock.now());
      throw error;
    }
    const described = describeProviderError(error);
    if (error.details.outcomeUnknown) {
      // The request may have been accepted: re-sending could text someone twice. The
      // provider's webhook, which carries the delivery id, settles it.
      await markUnknown(deps.pool, work.deliveryId, described, deps.clock.now());
      await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, deps.clock.now());
      return { kind: 'settled', status: 'unknown' };
    }
    if (error.retryable && !attempt.last) {
      await releaseForRetry(deps.pool, work.deliveryId, described, deps.clock.now());
      throw new RetryLater(described, error.details.retryAfterMs);
    }
    outcome = { status: 'failed', error: error.retryable ? `gave up after retries: ${described}` : described };
  }
  const at = deps.clock.now();
  await recordSendOutcome(deps.pool, work.deliveryId, { ...outcome, provider: transport.provider }, at);
  await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, at);
  return { kind: 'settled', status: outcome.status };
}

export function describeProviderError(error: ProviderError): string {
  const { provider, status, code } = error.details;
  const parts = [provider, status ? `HTTP ${status}` : null, code ? `code ${code}` : null].filter(Boolean).join(' ');
  return `${parts}: ${error.message}`;
}

// Delivering one delivery row, whatever the channel: may we contact them (opt-outs, consent,
// address)? may we now (quiet hours)? then claim the row and send, or write it locally, and
// record the outcome. The claim (pending → sending) is what makes a send happen at most once.
import type { Clock } from '../clock.js';
import {
  claimDeliveries,
  claimDelivery,
  loadDeliveryWork,
  loadDeliveryWorks,
  markUnknown,
  markUnknownIfStale,
  recordSendOutcomes,
  refreshInterventionDeliveryStatus,
  refreshInterventionDeliveryStatuses,
  releaseForRetry,
  scheduleDeliveries,
  settleUnattempted,
  type DeliveryWork,
  type SendOutcome,
  type Unattempted,
} from '../db/deliveries.js';
import { withTransaction, type Pool, type PoolClient } from '../db/pool.js';
import { contactBlock } from '../domain/contact-rules.js';
import type { Channel } from '../domain/types.js';
import { nextContactTime } from '../domain/quiet-hours.js';
import { UnusableMessageError } from '../channels/stored-messages.js';
import { ProviderError } from '../errors.js';
import type { DeliveryMetrics } from '../observability.js';

/** Sends through a provider; throws ProviderError. */
export interface ProviderTransport {
  kind: 'provider';
  /** the one channel it delivers: a job on its queue touches no other channel's rows */
  channel: Channel;
  provider: string;
  send(work: DeliveryWork): Promise<{ providerMessageId: string | null }>;
}

/** Writes deliveries inside our own database (inbox, agent task, outbox), in their claim's transaction. */
export interface LocalTransport {
  kind: 'local';
  channel: Channel;
  provider: string;
  /** the status the delivery ends in: 'sent' for inbox and agent tasks, 'outbox' for the outbox */
  settlesAs: 'sent' | 'outbox';
  /** Writes every one of `works` (throws UnusableMessageError if any stored message is broken). */
  write(client: PoolClient, works: readonly DeliveryWork[], at: Date): Promise<void>;
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
  metrics?: DeliveryMetrics;
  /** how long a claimed send may stay unanswered before it is unknown (default STALE_SENDING_MS) */
  staleSendingMs?: number;
}

export async function deliver(deps: DeliverDeps, deliveryId: number, transport: Transport, attempt: { last: boolean }): Promise<DeliverResult> {
  const now = deps.clock.now();
  const work = await loadDeliveryWork(deps.pool, deliveryId, transport.channel);
  if (!work) return { kind: 'skipped', reason: 'no such delivery' };

  if (work.status === 'sending') {
    if ((await settleStaleClaims(deps, [deliveryId], now, attempt)).length > 0) {
      await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, now);
      return { kind: 'settled', status: 'unknown' };
    }
    throw new RetryLater('another attempt is sending this delivery right now');
  }
  if (work.status !== 'pending' && work.status !== 'scheduled') return { kind: 'skipped', reason: `already ${work.status}` };

  const block = contactBlock(work.channel, work.customer, work.suppressedBecause);
  if (block) {
    if ((await settleUnattempted(deps.pool, [{ deliveryId, ...block }], now)).length > 0) {
      await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, now);
    }
    return { kind: 'settled', status: block.status };
  }

  const opensAt = quietHoursOpening(work, now);
  if (opensAt) {
    await scheduleDeliveries(deps.pool, [{ deliveryId, until: opensAt }], now);
    await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, now);
    return { kind: 'delayed', until: opensAt };
  }

  if (transport.kind === 'local') {
    const settled = await deliverLocally(deps.pool, [work], transport, now);
    return settled.length > 0 ? { kind: 'settled', status: transport.settlesAs } : { kind: 'skipped', reason: 'claimed by another attempt' };
  }
  if (!(await claimDelivery(deps.pool, work.deliveryId, now))) return { kind: 'skipped', reason: 'claimed by another attempt' };
  const sent = await sendOne(deps, work, transport);
  if (sent.kind === 'unusable') {
    await recordSendOutcomes(deps.pool, [{ deliveryId, status: 'failed', provider: transport.provider, error: sent.error.message }], deps.clock.now());
    await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, deps.clock.now());
    throw sent.error;
  }
  if (sent.kind === 'unknown') {
    await markUnknown(deps.pool, deliveryId, sent.reason, deps.clock.now());
    await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, deps.clock.now());
    // Not a provider's answer (a bug, a broken connection pool): the job fails loudly; a
    // provider's own timeout is an outcome like any other.
    if (sent.cause) throw sent.cause;
    return { kind: 'settled', status: 'unknown' };
  }
  if (sent.kind === 'retry' && !attempt.last) {
    await releaseForRetry(deps.pool, deliveryId, sent.reason, deps.clock.now());
    throw new RetryLater(sent.reason, sent.retryAfterMs);
  }
  const outcome = toSendOutcome(sent, work, transport);
  const at = deps.clock.now();
  await recordSendOutcomes(deps.pool, [outcome], at);
  await refreshInterventionDeliveryStatus(deps.pool, work.interventionId, at);
  return { kind: 'settled', status: outcome.status };
}

/**
 * Of deliveries found 'sending': those claimed longer ago than any send can take, or all of
 * them on the job's last attempt, become unknown (whoever claimed them is gone, and whether
 * the provider accepted them is unknown). Returns the ids settled; the others are still in flight.
 */
async function settleStaleClaims(deps: DeliverDeps, deliveryIds: readonly number[], now: Date, attempt: { last: boolean }): Promise<number[]> {
  const claimedBefore = attempt.last ? new Date(now.getTime() + 1) : new Date(now.getTime() - (deps.staleSendingMs ?? STALE_SENDING_MS));
  return markUnknownIfStale(deps.pool, deliveryIds, claimedBefore, now);
}

/** When quiet hours keep this channel from contacting the customer now: when they end; else null. */
function quietHoursOpening(work: DeliveryWork, now: Date): Date | null {
  if (!work.quietHours.channels.includes(work.channel)) return null;
  const opensAt = nextContactTime(now, work.customer.timezone, work.quietHours);
  return opensAt.getTime() > now.getTime() ? opensAt : null;
}

/**
 * Claims the deliveries and writes them locally (inbox, agent task, outbox) in one
 * transaction, so that each is written exactly once; returns the ones it settled.
 */
async function deliverLocally(pool: Pool, works: readonly DeliveryWork[], transport: LocalTransport, now: Date): Promise<DeliveryWork[]> {
  const settled = await withTransaction(pool, async (client) => {
    const claimed = await claimDeliveries(client, works.map((w) => w.deliveryId), now);
    const mine = works.filter((w) => claimed.has(w.deliveryId));
    if (mine.length === 0) return mine;
    await transport.write(client, mine, now);
    await recordSendOutcomes(client, mine.map((w) => ({ deliveryId: w.deliveryId, status: transport.settlesAs, provider: transport.provider })), now);
    return mine;
  });
  // After the commit, so that it sees every other delivery of the intervention settled so far.
  await refreshInterventionDeliveryStatuses(pool, settled.map((w) => w.interventionId), now);
  return settled;
}

/** What one provider call came to. */
type SendResult =
  | { kind: 'accepted'; providerMessageId: string | null }
  /** refused for good by the provider */
  | { kind: 'refused'; reason: string }
  /** worth another attempt (a 5xx, a 429, unreachable) */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** the provider may have accepted it: never re-sent; its webhook settles it */
  | { kind: 'unknown'; reason: string; cause?: unknown }
  /** the stored message cannot be sent: nothing went out */
  | { kind: 'unusable'; error: UnusableMessageError };

async function sendOne(deps: DeliverDeps, work: DeliveryWork, transport: ProviderTransport): Promise<SendResult> {
  const timer = deps.metrics?.providerLatency.startTimer({ provider: transport.provider });
  try {
    const accepted = await transport.send(work);
    timer?.({ outcome: 'accepted' });
    return { kind: 'accepted', providerMessageId: accepted.providerMessageId };
  } catch (error) {
    if (error instanceof UnusableMessageError) {
      timer?.({ outcome: 'error' });
      return { kind: 'unusable', error };
    }
    if (!(error instanceof ProviderError)) {
      // Not a provider's answer: we cannot tell whether the request went out. Never guess.
      timer?.({ outcome: 'error' });
      return { kind: 'unknown', reason: error instanceof Error ? error.message : String(error), cause: error };
    }
    const reason = describeProviderError(error);
    if (error.details.outcomeUnknown) {
      timer?.({ outcome: 'unknown' });
      return { kind: 'unknown', reason };
    }
    timer?.({ outcome: error.retryable ? 'retryable' : 'refused' });
    if (error.retryable) return error.details.retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs: error.details.retryAfterMs };
    return { kind: 'refused', reason };
  }
}

function toSendOutcome(sent: Extract<SendResult, { kind: 'accepted' | 'refused' | 'retry' }>, work: DeliveryWork, transport: ProviderTransport): SendOutcome {
  const base = { deliveryId: work.deliveryId, provider: transport.provider };
  if (sent.kind === 'accepted') return { ...base, status: 'sent', providerMessageId: sent.providerMessageId };
  return { ...base, status: 'failed', error: sent.kind === 'retry' ? `gave up after retries: ${sent.reason}` : sent.reason };
}

export interface BatchResult {
  /** deliveries settled by this batch, by final status */
  settled: Map<string, number>;
  /** deliveries waiting for quiet hours to end, and when they end */
  scheduled: { deliveryId: number; until: Date }[];
  /** deliveries for another attempt: a retryable failure, a Retry-After, or a claim still in flight */
  retry: number[];
  /** the longest Retry-After a provider answered with, when one asked us to slow down */
  retryAfterMs?: number;
}

/** How many sends of one batch are in flight at once. */
const BATCH_SEND_CONCURRENCY = 8;

/**
 * Delivers a batch of one channel's deliveries with set-based SQL: one read, one claim, one
 * write of the outcomes, whatever the batch size; provider calls run a few at a time. What a
 * batch cannot settle now (quiet hours, a retryable failure, a claim still in flight) comes
 * back in the result for the caller to enqueue again, as a batch. The guarantees are the single path's: a
 * delivery is claimed before it is sent, so it is sent at most once, and a send whose outcome
 * is unknown is never repeated. On the last attempt a retryable failure is final.
 */
export async function deliverBatch(deps: DeliverDeps, deliveryIds: readonly number[], transport: Transport, attempt: { last: boolean }): Promise<BatchResult> {
  const now = deps.clock.now();
  const result: BatchResult = { settled: new Map(), scheduled: [], retry: [] };
  const count = (status: string, n = 1) => result.settled.set(status, (result.settled.get(status) ?? 0) + n);
  const blocked: (Unattempted & { interventionId: number })[] = [];
  const quiet: { deliveryId: number; until: Date; interventionId: number }[] = [];
  const ready: DeliveryWork[] = [];
  const inFlight: DeliveryWork[] = [];
  for (const work of await loadDeliveryWorks(deps.pool, deliveryIds, transport.channel)) {
    if (work.status === 'sending') inFlight.push(work);
    if (work.status !== 'pending' && work.status !== 'scheduled') continue;
    const block = contactBlock(work.channel, work.customer, work.suppressedBecause);
    const opensAt = block ? null : quietHoursOpening(work, now);
    const ids = { deliveryId: work.deliveryId, interventionId: work.interventionId };
    if (block) blocked.push({ ...ids, ...block });
    else if (opensAt) quiet.push({ ...ids, until: opensAt });
    else ready.push(work);
  }
  const touched: number[] = [];
  // An earlier run of this batch died mid-send: those claims settle as the single path's do.
  const stale = new Set(await settleStaleClaims(deps, inFlight.map((w) => w.deliveryId), now, attempt));
  for (const work of inFlight) {
    if (stale.has(work.deliveryId)) {
      count('unknown');
      touched.push(work.interventionId);
    } else result.retry.push(work.deliveryId);
  }
  const settledUnattempted = new Set(await settleUnattempted(deps.pool, blocked, now));
  for (const item of blocked.filter((b) => settledUnattempted.has(b.deliveryId))) {
    count(item.status);
    touched.push(item.interventionId);
  }
  const scheduled = new Set(await scheduleDeliveries(deps.pool, quiet, now));
  for (const item of quiet.filter((q) => scheduled.has(q.deliveryId))) {
    result.scheduled.push({ deliveryId: item.deliveryId, until: item.until });
    touched.push(item.interventionId);
  }

  if (transport.kind === 'local') {
    const settled = await deliverLocally(deps.pool, ready, transport, now);
    count(transport.settlesAs, settled.length);
  } else {
    const claimed = await claimDeliveries(deps.pool, ready.map((w) => w.deliveryId), now);
    const mine = ready.filter((w) => claimed.has(w.deliveryId));
    const outcomes: SendOutcome[] = [];
    await forEachLimited(mine, BATCH_SEND_CONCURRENCY, async (work) => {
      touched.push(work.interventionId);
      if (result.retryAfterMs !== undefined && !attempt.last) {
        // The provider asked us to slow down: the rest of the batch waits with the queue.
        await releaseForRetry(deps.pool, work.deliveryId, "waiting for the provider's Retry-After", deps.clock.now());
        result.retry.push(work.deliveryId);
        return;
      }
      const sent = await sendOne(deps, work, transport);
      if (sent.kind === 'unusable') {
        outcomes.push({ deliveryId: work.deliveryId, status: 'failed', provider: transport.provider, error: sent.error.message });
      } else if (sent.kind === 'unknown') {
        await markUnknown(deps.pool, work.deliveryId, sent.reason, deps.clock.now());
        count('unknown');
      } else if (sent.kind === 'retry' && !attempt.last) {
        await releaseForRetry(deps.pool, work.deliveryId, sent.reason, deps.clock.now());
        result.retry.push(work.deliveryId);
        if (sent.retryAfterMs !== undefined) result.retryAfterMs = Math.max(result.retryAfterMs ?? 0, sent.retryAfterMs);
      } else {
        outcomes.push(toSendOutcome(sent, work, transport));
      }
    });
    await recordSendOutcomes(deps.pool, outcomes, deps.clock.now());
    for (const outcome of outcomes) count(outcome.status);
  }
  await refreshInterventionDeliveryStatuses(deps.pool, touched, deps.clock.now());
  return result;
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export function describeProviderError(error: ProviderError): string {
  const { provider, status, code } = error.details;
  const parts = [provider, status ? `HTTP ${status}` : null, code ? `code ${code}` : null].filter(Boolean).join(' ');
  return `${parts}: ${error.message}`;
}

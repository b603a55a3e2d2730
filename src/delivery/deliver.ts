// Delivering a job's deliveries of one channel, whatever their number (a lone delivery is a
// batch of one): plan them (src/domain/delivery-plan.ts), settle what cannot be sent, claim the
// rest (pending → sending: what makes a send happen at most once), send them or write them
// locally, and record the outcomes, each step one set-based statement. What cannot be settled
// now (quiet hours, a retryable failure, a claim still in flight) comes back as follow-ups for
// the queue.
import type { Clock } from '../clock.js';
import {
  claimDeliveries,
  loadDeliveryWorks,
  markUnknownIfStale,
  recordAttempts,
  recordLocalWrites,
  refreshInterventionDeliveryStatuses,
  scheduleDeliveries,
  settleUnattempted,
  type DeliveryWork,
} from '../db/deliveries.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { claimedBefore, failedAttempt, planDeliveries, type AttemptOutcome, type DeliveryFollowUps, type Unattempted } from '../domain/delivery-plan.js';
import { monthsHolding, type Months } from '../domain/months.js';
import type { Channel } from '../domain/types.js';
import { ProviderError } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseStoredMessage } from '../messages/schema.js';
import type { LocalTransport, ProviderTransport, ReadyDelivery, Transport } from './transport.js';

/** What a delivery process reports about its sends (prom-client in the worker process). */
export interface DeliveryMetrics {
  /** starts timing a provider call; the returned function ends it with the call's outcome */
  timeProviderCall(provider: string): (outcome: 'accepted' | 'refused' | 'retryable' | 'unknown' | 'error') => void;
  countSettled(channel: Channel, status: string, n: number): void;
}

export interface DeliverDeps {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  metrics?: DeliveryMetrics;
  /** how long a claimed send may stay unanswered before it is unknown (twice the provider timeout) */
  staleSendingMs: number;
  /** the key of the addresses' hashes, under which opt-outs are kept */
  addressKey: string;
}

/** A job's deliveries: their ids, and the months holding them when the job knows them. */
export interface DeliveryBatch {
  deliveryIds: readonly number[];
  months: Months | null;
}

export interface DeliveryRun {
  /** deliveries this run settled, by final status */
  settled: Map<string, number>;
  followUps: DeliveryFollowUps;
  /** the months holding the deliveries it found, for its follow-ups; null when it found none */
  months: Months | null;
}

/** How many sends of one job are in flight at once. */
const SEND_CONCURRENCY = 8;

/** Twice the provider timeout: past it, a claimed send cannot still be waiting for its answer. */
export function staleSendingMs(providerTimeoutMs: number): number {
  return 2 * providerTimeoutMs;
}

/**
 * Delivers the deliveries of `transport`'s channel in `batch`. Each is sent at most
 * once: it is claimed before it is sent, and a send whose outcome is unknown is never repeated.
 * On the last attempt a retryable failure is final, and a claim found in flight is unknown.
 */
export async function deliverBatch<C extends Channel>(deps: DeliverDeps, batch: DeliveryBatch, transport: Transport<C>, attempt: { last: boolean }): Promise<DeliveryRun> {
  const now = deps.clock.now();
  const run: DeliveryRun = { settled: new Map(), followUps: { scheduled: [], retry: [] }, months: null };
  const count = (status: string, n = 1) => {
    if (n > 0) run.settled.set(status, (run.settled.get(status) ?? 0) + n);
  };
  const touched: number[] = [];

  const works = await loadDeliveryWorks(deps.pool, batch.deliveryIds, transport.channel, batch.months, deps.addressKey);
  if (works.length === 0) return run;
  const months = monthsHolding(works.map((work) => work.interventionDate));
  run.months = months;
  const plan = planDeliveries(works, now);
  const ready: ReadyDelivery<C>[] = [];
  const blocked: Unattempted[] = [...plan.blocked];
  for (const work of plan.ready) {
    const parsed = parseStoredMessage(transport.channel, work.messages);
    if ('message' in parsed) ready.push({ work, message: parsed.message });
    else blocked.push({ deliveryId: work.deliveryId, interventionId: work.interventionId, status: 'failed', reason: `intervention ${work.interventionId}: unusable stored message: ${parsed.problem}` });
  }

  // An earlier run of this job died mid-send: claims older than any send can take are unknown.
  const stale = new Set(await markUnknownIfStale(deps.pool, plan.inFlight.map((w) => w.deliveryId), months, claimedBefore(now, deps.staleSendingMs, attempt.last), now));
  for (const work of plan.inFlight) {
    if (stale.has(work.deliveryId)) {
      count('unknown');
      touched.push(work.interventionId);
    } else run.followUps.retry.push(work.deliveryId);
  }
  const settledUnattempted = new Set(await settleUnattempted(deps.pool, blocked, months, now));
  for (const item of blocked.filter((b) => settledUnattempted.has(b.deliveryId))) {
    count(item.status);
    touched.push(item.interventionId);
  }
  const scheduled = new Set(await scheduleDeliveries(deps.pool, plan.quiet, months, now));
  for (const item of plan.quiet.filter((q) => scheduled.has(q.deliveryId))) {
    run.followUps.scheduled.push({ deliveryId: item.deliveryId, until: item.until });
    touched.push(item.interventionId);
  }

  const sent = transport.kind === 'local' ? await writeLocally(deps, ready, months, transport, now) : await sendThroughProvider(deps, ready, months, transport, attempt, run.followUps);
  for (const item of sent) touched.push(item.interventionId);
  for (const [status, n] of countBy(sent.map((item) => item.status))) count(status, n);

  // After every commit, so that it sees every other delivery of the intervention settled so far.
  await refreshInterventionDeliveryStatuses(deps.pool, touched, deps.clock.now());
  for (const [status, n] of run.settled) deps.metrics?.countSettled(transport.channel, status, n);
  return run;
}

interface Settled {
  interventionId: number;
  status: string;
}

/** Claims the deliveries and writes them (inbox, agent task, outbox) in one transaction, so each is written exactly once. */
async function writeLocally<C extends Channel>(deps: DeliverDeps, ready: readonly ReadyDelivery<C>[], months: Months, transport: LocalTransport<C>, now: Date): Promise<Settled[]> {
  if (ready.length === 0) return [];
  return withTransaction(deps.pool, async (client) => {
    const claimed = await claimDeliveries(client, ready.map((r) => r.work.deliveryId), months, now);
    const mine = ready.filter((r) => claimed.has(r.work.deliveryId));
    if (mine.length === 0) return [];
    await transport.write(client, mine, now);
    await recordLocalWrites(client, mine.map((r) => r.work.deliveryId), months, { status: transport.settlesAs, provider: transport.provider }, now);
    return mine.map((r) => ({ interventionId: r.work.interventionId, status: transport.settlesAs }));
  });
}

/**
 * Claims the deliveries, then calls the provider a few at a time. Once a provider asks us to
 * slow down (Retry-After), the rest of the job is released unsent to wait with the queue.
 * Returns what settled; what is released goes into `followUps.retry`.
 */
async function sendThroughProvider<C extends Channel>(
  deps: DeliverDeps,
  ready: readonly ReadyDelivery<C>[],
  months: Months,
  transport: ProviderTransport<C>,
  attempt: { last: boolean },
  followUps: DeliveryFollowUps,
): Promise<Settled[]> {
  if (ready.length === 0) return [];
  const claimed = await claimDeliveries(deps.pool, ready.map((r) => r.work.deliveryId), months, deps.clock.now());
  const mine = ready.filter((r) => claimed.has(r.work.deliveryId));
  const attempts: { work: DeliveryWork; outcome: AttemptOutcome }[] = [];
  await forEachLimited(mine, SEND_CONCURRENCY, async (item) => {
    const { work } = item;
    if (followUps.retryAfterMs !== undefined && !attempt.last) {
      attempts.push({ work, outcome: { deliveryId: work.deliveryId, status: 'pending', error: "waiting for the provider's Retry-After" } });
      return;
    }
    const outcome = await attemptSend(deps, item, transport, attempt.last);
    attempts.push({ work, outcome });
    if (outcome.status === 'pending' && outcome.retryAfterMs !== undefined) followUps.retryAfterMs = Math.max(followUps.retryAfterMs ?? 0, outcome.retryAfterMs);
  });
  await recordAttempts(deps.pool, attempts.map((a) => a.outcome), months, transport.provider, deps.clock.now());
  const settled: Settled[] = [];
  for (const { work, outcome } of attempts) {
    if (outcome.status === 'pending') followUps.retry.push(outcome.deliveryId);
    else settled.push({ interventionId: work.interventionId, status: outcome.status });
  }
  return settled;
}

async function attemptSend<C extends Channel>(deps: DeliverDeps, item: ReadyDelivery<C>, transport: ProviderTransport<C>, lastAttempt: boolean): Promise<AttemptOutcome> {
  const done = deps.metrics?.timeProviderCall(transport.provider);
  try {
    const accepted = await transport.send(item);
    done?.('accepted');
    return { deliveryId: item.work.deliveryId, status: 'sent', providerMessageId: accepted.providerMessageId };
  } catch (error) {
    const outcome = failedAttempt(item.work.deliveryId, error, lastAttempt);
    if (!(error instanceof ProviderError)) {
      deps.logger.error({ err: error, delivery_id: item.work.deliveryId, provider: transport.provider }, 'send failed in an unexpected way; its outcome is unknown');
      done?.('error');
    } else done?.(outcome.status === 'unknown' ? 'unknown' : outcome.status === 'pending' ? 'retryable' : 'refused');
    return outcome;
  }
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

// How a channel's deliveries leave the engine: through a provider (SendGrid, Twilio), which
// may fail and is called a few at a time, or written into our own tables (inbox, agent tasks,
// the outbox when a provider has no credentials) in the transaction that claims them.
import type { DeliveryWork } from '../db/deliveries.js';
import type { Queryable } from '../db/pool.js';
import type { Channel } from '../domain/types.js';
import type { MessageOf } from '../messages/schema.js';

/** A claimed delivery with its channel's stored message, parsed. */
export interface ReadyDelivery<C extends Channel> {
  work: DeliveryWork;
  message: MessageOf<C>;
}

/** Sends one delivery through a provider; throws ProviderError when the provider refuses or fails. */
export interface ProviderTransport<C extends Channel> {
  kind: 'provider';
  /** the one channel it delivers: a job on its queue touches no other channel's rows */
  channel: C;
  provider: string;
  send(ready: ReadyDelivery<C>): Promise<{ providerMessageId: string | null }>;
}

/** Writes deliveries into our own database, inside the transaction that claims them. */
export interface LocalTransport<C extends Channel> {
  kind: 'local';
  channel: C;
  provider: string;
  /** the status the delivery ends in: 'sent' for inbox and agent tasks, 'outbox' for the outbox */
  settlesAs: 'sent' | 'outbox';
  write(db: Queryable, ready: readonly ReadyDelivery<C>[], at: Date): Promise<void>;
}

export type Transport<C extends Channel> = ProviderTransport<C> | LocalTransport<C>;

// The holdout group: a deterministic share of would-be interventions that are logged but not sent,
// so that the metrics can compare outcomes with and without outreach. Same id + salt → same answer.
import { createHash } from 'node:crypto';

const TWO_TO_32 = 4_294_967_296;

/** The customer's place in [0, 1): the first 32 bits of sha256(`${salt}:${customerId}`). */
export function holdoutBucket(customerId: string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}:${customerId}`).digest();
  return digest.readUInt32BE(0) / TWO_TO_32;
}

/**
 * Whether the customer is held out at `percent` (0..100). Buckets are fixed per salt, so raising
 * the percent only adds customers to the group; changing the salt reshuffles everyone.
 */
export function isHoldout(customerId: string, percent: number, salt: string): boolean {
  // Explicit ends, so that 0 means never and 100 always whatever the float of percent / 100.
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  return holdoutBucket(customerId, salt) < percent / 100;
}

// The holdout group: a deterministic share of customers who are not contacted, so that the
// metrics can compare outcomes with and without outreach. Same id + salt → same answer, always.
import { createHash } from 'node:crypto';

export function holdoutBucket(customerId: string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}:${customerId}`).digest();
  return digest.readUInt32BE(0) / 4_294_967_296;
}

export function isHoldout(customerId: string, percent: number, salt: string): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  return holdoutBucket(customerId, salt) < percent / 100;
}

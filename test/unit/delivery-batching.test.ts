// Batches of deliveries and the provider's rate: BullMQ's limiter counts jobs, so a batch's
// size times the jobs allowed a second must never exceed the sends the provider allows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveryBatching, MAX_DELIVERY_BATCH } from '../../src/queues/queues.js';

describe('deliveryBatching', () => {
  it.each([
    [1, 1, 1],
    [30, 30, 1],
    [50, 50, 1],
    [51, 25, 2],
    [100, 50, 2],
    [130, 43, 3],
    [100_000, 50, 2_000],
  ])('at %i sends/s: batches of %i, %i jobs/s', (rate, batchSize, jobsPerSecond) => {
    expect(deliveryBatching(rate)).toEqual({ batchSize, jobsPerSecond });
  });

  it('never lets more sends through a second than the provider allows, and uses at least half of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (rate) => {
        const { batchSize, jobsPerSecond } = deliveryBatching(rate);
        expect(batchSize).toBeGreaterThanOrEqual(1);
        expect(batchSize).toBeLessThanOrEqual(MAX_DELIVERY_BATCH);
        expect(batchSize * (jobsPerSecond ?? Infinity)).toBeLessThanOrEqual(rate);
        expect(batchSize * (jobsPerSecond ?? 0)).toBeGreaterThanOrEqual(rate / 2);
      }),
    );
  });

  it('does not limit our own tables', () => {
    expect(deliveryBatching(null)).toEqual({ batchSize: MAX_DELIVERY_BATCH, jobsPerSecond: null });
  });
});

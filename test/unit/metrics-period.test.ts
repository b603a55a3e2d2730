// Metrics snapshots: one per period. A period is the slot of the instant the job scheduler meant
// the job for, so a job that starts late never takes the next period's slot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodSlot, scheduledFor } from '../../jobs/metrics-snapshot.js';

describe('scheduledFor', () => {
  it.each([
    ['repeat:metrics-snapshot:1796173347421', '2026-12-02T01:02:27.421Z'],
    ['repeat:a:b:1796173347421', '2026-12-02T01:02:27.421Z'],
    ['42', null],
    [undefined, null],
  ])('reads %s as %s', (id, instant) => {
    expect(scheduledFor(id)?.toISOString() ?? null).toBe(instant);
  });
});

describe('periodSlot over the scheduler instants', () => {
  it('gives consecutive instants one period apart consecutive slots, whatever their phase', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 86_400_000 }), fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }), fc.integer({ min: 1, max: 50 }), (every, first, k) => {
        const slot = (n: number) => periodSlot(new Date(first + n * every), every).getTime();
        expect(slot(k) - slot(k - 1)).toBe(every);
      }),
    );
  });
});

// The delivery plan, decided without I/O: which deliveries of a job are blocked, wait for quiet
// hours, are ready or in flight, and what a provider's failure comes to.
import { describe, expect, it } from 'vitest';
import { claimedBefore, failedAttempt, planDeliveries, type DeliveryCandidate } from '../../src/domain/delivery-plan.js';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';
import type { DeliveryStatus } from '../../src/domain/types.js';
import { ProviderError } from '../../src/errors.js';

// 14:00 UTC: 15:00 in Madrid (open), 23:00 in Tokyo (quiet until 08:00 = 23:00 UTC).
const now = new Date('2026-11-25T14:00:00Z');
let nextId = 1;
type Overrides = Omit<Partial<DeliveryCandidate>, 'customer'> & { customer?: Partial<DeliveryCandidate['customer']> };
const candidate = (extra: Overrides = {}): DeliveryCandidate => {
  const id = nextId++;
  return {
    deliveryId: id,
    interventionId: 100 + id,
    channel: 'sms',
    status: 'pending',
    suppressedBecause: null,
    quietHours: DEFAULT_POLICY.quietHours,
    ...extra,
    customer: { customerId: `C${id}`, fullName: 'Ana García', email: 'ana@example.com', phone: '+34612345678', timezone: 'Europe/Madrid', locale: 'es', smsConsent: true, ...extra.customer },
  };
};
const plan = (candidates: DeliveryCandidate[]) => planDeliveries(candidates, now);

describe('planDeliveries', () => {
  it('sends what may go now, and a lone delivery is a batch of one', () => {
    const one = candidate();
    expect(plan([one])).toEqual({ blocked: [], quiet: [], ready: [one], inFlight: [] });
  });

  it.each<[string, Overrides, { status: string; reason: RegExp }]>([
    ['an opted-out channel is suppressed', { suppressedBecause: 'stop' }, { status: 'suppressed', reason: /^opted out of sms: stop$/ }],
    ['SMS without consent is suppressed', { customer: { smsConsent: false } }, { status: 'suppressed', reason: /^no SMS consent$/ }],
    ['SMS without a number fails', { customer: { phone: null } }, { status: 'failed', reason: /^no phone number on file$/ }],
    ['SMS to a number that is not E.164 fails', { customer: { phone: '612345678' } }, { status: 'failed', reason: /^not a valid E\.164/ }],
    ['email without an address fails', { channel: 'email', customer: { email: null } }, { status: 'failed', reason: /^no email address on file$/ }],
    ['a call without a number fails', { channel: 'phone', customer: { phone: null } }, { status: 'failed', reason: /^no phone number on file$/ }],
  ])('%s, without an attempt', (_promise, extra, expected) => {
    const blocked = candidate(extra);
    const result = plan([blocked]);
    expect(result.ready).toEqual([]);
    expect(result.blocked).toEqual([{ deliveryId: blocked.deliveryId, interventionId: blocked.interventionId, status: expected.status, reason: expect.stringMatching(expected.reason) }]);
  });

  it('holds SMS and calls during quiet hours until the window opens, but not email or in-app', () => {
    const tokyo = { timezone: 'Asia/Tokyo', phone: '+819012345678' };
    const [sms, call, email, app] = (['sms', 'phone', 'email', 'app_notification'] as const).map((channel) => candidate({ channel, customer: tokyo }));
    const result = plan([sms!, call!, email!, app!]);
    const opens = new Date('2026-11-25T23:00:00Z');
    expect(result.quiet).toEqual([
      { deliveryId: sms!.deliveryId, interventionId: sms!.interventionId, until: opens },
      { deliveryId: call!.deliveryId, interventionId: call!.interventionId, until: opens },
    ]);
    expect(result.ready).toEqual([email, app]);
  });

  it('suppresses rather than schedules an opted-out customer in quiet hours', () => {
    const result = plan([candidate({ suppressedBecause: 'stop', customer: { timezone: 'Asia/Tokyo' } })]);
    expect(result.quiet).toEqual([]);
    expect(result.blocked).toHaveLength(1);
  });

  it('sends a scheduled delivery once its window is open, finds claims in flight, and leaves settled ones alone', () => {
    const scheduled = candidate({ status: 'scheduled' });
    const sending = candidate({ status: 'sending' });
    const settled = (['sent', 'delivered', 'opened', 'clicked', 'bounced', 'failed', 'suppressed', 'unknown', 'outbox'] as DeliveryStatus[]).map((status) => candidate({ status }));
    expect(plan([scheduled, sending, ...settled])).toEqual({ blocked: [], quiet: [], ready: [scheduled], inFlight: [sending] });
  });
});

describe('claimedBefore', () => {
  it('gives a claim the stale time to answer, and none on the last attempt', () => {
    expect(claimedBefore(now, 20_000, false)).toEqual(new Date(now.getTime() - 20_000));
    expect(claimedBefore(now, 20_000, true).getTime()).toBeGreaterThan(now.getTime());
  });
});

describe('failedAttempt', () => {
  const provider = (retryable: boolean, extra: Partial<ProviderError['details']> = {}) => new ProviderError('boom', { provider: 'sendgrid', retryable, ...extra });

  it.each([
    ['a 429 with Retry-After is retried after it', provider(true, { status: 429, retryAfterMs: 3_000 }), false, { status: 'pending', error: 'sendgrid HTTP 429: boom', retryAfterMs: 3_000 }],
    ['a 503 is retried', provider(true, { status: 503 }), false, { status: 'pending', error: 'sendgrid HTTP 503: boom' }],
    ['a 503 on the last attempt fails', provider(true, { status: 503 }), true, { status: 'failed', error: 'gave up after retries: sendgrid HTTP 503: boom' }],
    ['a 400 fails at once with the provider code', provider(false, { status: 400, code: '21211' }), false, { status: 'failed', error: 'sendgrid HTTP 400 code 21211: boom' }],
    ['a timeout is unknown, never retried', provider(false, { outcomeUnknown: true, code: 'ETIMEDOUT' }), false, { status: 'unknown', error: 'outcome unknown: sendgrid code ETIMEDOUT: boom' }],
    ['anything else is unknown: whether it went out cannot be told', new TypeError('x is undefined'), false, { status: 'unknown', error: 'outcome unknown: x is undefined' }],
  ])('%s', (_promise, error, last, expected) => {
    expect(failedAttempt(7, error, last)).toEqual({ deliveryId: 7, ...expected });
  });
});

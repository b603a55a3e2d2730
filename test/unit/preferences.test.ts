// A customer's choices, decided without I/O: each channel's state from the suppressions found,
// and what a request has to change (nothing, when it already holds).
import { describe, expect, it } from 'vitest';
import { channelStates, describeDiff, isEmptyDiff, preferenceDiff, type SuppressionRow } from '../../src/domain/preferences.js';

const since = new Date('2026-11-25T14:00:00Z');
const row = (channel: SuppressionRow['channel'], reason: string, keyedBy: SuppressionRow['keyedBy'], source = 'test'): SuppressionRow => ({ channel, reason, source, since, keyedBy });

describe('channelStates', () => {
  it('has every channel on and contacted when nothing is suppressed', () => {
    const states = channelStates([], true);
    for (const state of Object.values(states)) expect(state).toEqual({ choice: 'on', optOut: null, noConsent: false, contacted: true });
  });

  it.each<[string, SuppressionRow[], boolean, Record<string, unknown>]>([
    ['a choice of the customer turns it off', [row('email', 'preference', 'customer')], true, { choice: 'off', optOut: null, contacted: false }],
    ['an address opt-out keeps it off with the choice on', [row('email', 'unsubscribe', 'address')], true, { choice: 'on', optOut: { reason: 'unsubscribe', keyedBy: 'address' }, contacted: false }],
    ['an unsubscribe link keyed by the customer is an opt-out, not a choice', [row('email', 'unsubscribe', 'customer', 'link')], true, { choice: 'on', optOut: { reason: 'unsubscribe', keyedBy: 'customer' }, contacted: false }],
    ['a choice and an opt-out together: off both ways', [row('email', 'preference', 'customer'), row('email', 'hard_bounce', 'address')], true, { choice: 'off', optOut: { reason: 'hard_bounce' }, contacted: false }],
    ["another channel's suppression changes nothing here", [row('sms', 'stop', 'address')], true, { choice: 'on', optOut: null, contacted: true }],
  ])('email: %s', (_promise, rows, consent, expected) => {
    expect(channelStates(rows, consent).email).toMatchObject(expected);
  });

  it('keeps SMS from a customer without consent, whatever the choice', () => {
    expect(channelStates([], false).sms).toEqual({ choice: 'on', optOut: null, noConsent: true, contacted: false });
    expect(channelStates([], false).email.noConsent).toBe(false);
  });

  it('reads a STOP from the number as an opt-out of SMS', () => {
    expect(channelStates([row('sms', 'stop', 'address', 'sms')], true).sms).toMatchObject({ choice: 'on', optOut: { reason: 'stop', source: 'sms' }, contacted: false });
  });
});

describe('preferenceDiff', () => {
  const none = channelStates([], true);
  const emailOff = channelStates([row('email', 'preference', 'customer')], true);

  it.each<[string, ReturnType<typeof channelStates>, string | null, Parameters<typeof preferenceDiff>[2], ReturnType<typeof preferenceDiff>]>([
    ['turns a channel off', none, null, { channels: { sms: false } }, { turnOff: ['sms'], turnOn: [], locale: null }],
    ['turns a channel back on', emailOff, null, { channels: { email: true } }, { turnOff: [], turnOn: ['email'], locale: null }],
    ['asks nothing when the choices already hold', emailOff, 'es', { channels: { email: false, sms: true }, locale: 'es' }, { turnOff: [], turnOn: [], locale: null }],
    ['leaves out what the request does not name', emailOff, null, { channels: {} }, { turnOff: [], turnOn: [], locale: null }],
    ['chooses a language', none, null, { channels: {}, locale: 'es' }, { turnOff: [], turnOn: [], locale: { from: null, to: 'es' } }],
    ["goes back to the lender's language", none, 'es', { channels: {}, locale: null }, { turnOff: [], turnOn: [], locale: { from: 'es', to: null } }],
    ['writes no choice where the customer\'s own opt-out already keeps the channel off', channelStates([row('email', 'unsubscribe', 'customer', 'link')], true), null, { channels: { email: false } }, { turnOff: [], turnOn: [], locale: null }],
    ['writes the choice where only the address opted out, so that it follows the customer to a new one', channelStates([row('email', 'hard_bounce', 'address')], true), null, { channels: { email: false } }, { turnOff: ['email'], turnOn: [], locale: null }],
  ])('%s', (_promise, states, chosen, request, expected) => {
    expect(preferenceDiff(states, chosen, request)).toEqual(expected);
  });

  it('turning on lifts only the choice: an opt-out stays, and the channel stays uncontacted', () => {
    const states = channelStates([row('sms', 'preference', 'customer'), row('sms', 'stop', 'address')], true);
    expect(preferenceDiff(states, null, { channels: { sms: true } })).toEqual({ turnOff: [], turnOn: ['sms'], locale: null });
    expect(channelStates([row('sms', 'stop', 'address')], true).sms.contacted).toBe(false);
  });

  it('describes a diff as it is recorded, and knows an empty one', () => {
    const diff = { turnOff: ['sms' as const], turnOn: ['email' as const], locale: { from: null, to: 'es' } };
    expect(describeDiff(diff)).toEqual({ sms: { from: 'on', to: 'off' }, email: { from: 'off', to: 'on' }, locale: { from: null, to: 'es' } });
    expect(isEmptyDiff(diff)).toBe(false);
    expect(isEmptyDiff({ turnOff: [], turnOn: [], locale: null })).toBe(true);
  });
});

// A customer's choices of channel, as the preference centre and the agents' API show and change
// them. A channel turned off is a suppression keyed by the customer with the reason
// 'preference'; turning it on again removes that row and nothing else. Every other suppression
// (a STOP from the number, a bounce, a spam report, an unsubscribe of the address) is an opt-out
// that holds whatever the choice, and is lifted only where it came from (START, the lender).
// Pure: the rows arrive as arguments.
import type { Channel } from './types.js';

/** The channels a customer chooses; agent calls are the lender's to arrange, not a subscription. */
export const PREFERENCE_CHANNELS = ['email', 'sms', 'app_notification'] as const satisfies readonly Channel[];
export type PreferenceChannel = (typeof PREFERENCE_CHANNELS)[number];

/** The reason of the suppression a customer's choice writes, and the only one a choice lifts. */
export const PREFERENCE_REASON = 'preference';

/** Who changed a customer's choices: the customer on the preference centre, or an agent through the API. */
export type PreferenceSource = 'preference_centre' | 'api';

export interface SuppressionRow {
  channel: Channel;
  reason: string;
  source: string;
  since: Date;
  keyedBy: 'customer' | 'address';
}

export interface ChannelState {
  /** the customer's own choice */
  choice: 'on' | 'off';
  /** an opt-out that keeps the channel off whatever the choice */
  optOut: Omit<SuppressionRow, 'channel'> | null;
  /** SMS only: the lender has no consent to text this customer */
  noConsent: boolean;
  /** whether a message on this channel would be sent now (an address on file aside) */
  contacted: boolean;
}

export type ChannelStates = Record<PreferenceChannel, ChannelState>;

/** Each channel's state from the suppressions of the customer and of the addresses they have now. */
export function channelStates(suppressions: readonly SuppressionRow[], smsConsent: boolean): ChannelStates {
  const state = (channel: PreferenceChannel): ChannelState => {
    const rows = suppressions.filter((row) => row.channel === channel);
    const choice = rows.some((row) => row.keyedBy === 'customer' && row.reason === PREFERENCE_REASON) ? 'off' : 'on';
    const opt = rows.find((row) => !(row.keyedBy === 'customer' && row.reason === PREFERENCE_REASON));
    const optOut = opt ? { reason: opt.reason, source: opt.source, since: opt.since, keyedBy: opt.keyedBy } : null;
    const noConsent = channel === 'sms' && !smsConsent;
    return { choice, optOut, noConsent, contacted: choice === 'on' && optOut === null && !noConsent };
  };
  return { email: state('email'), sms: state('sms'), app_notification: state('app_notification') };
}

/** What a request asks for; a channel or the locale left out stays as it is. */
export interface PreferenceRequest {
  channels: Partial<Record<PreferenceChannel, boolean>>;
  /** a locale with templates, or null to follow the lender's locale again */
  locale?: string | null;
}

export interface PreferenceDiff {
  turnOff: PreferenceChannel[];
  turnOn: PreferenceChannel[];
  locale: { from: string | null; to: string | null } | null;
}

/**
 * What has to change for the request to hold; empty when it already does, so that a form sent
 * twice changes nothing the second time. A channel the customer's own opt-out already keeps off
 * (an unsubscribe link's row holds the customer's one suppression of that channel) needs no
 * choice written.
 */
export function preferenceDiff(states: ChannelStates, chosenLocale: string | null, request: PreferenceRequest): PreferenceDiff {
  const diff: PreferenceDiff = { turnOff: [], turnOn: [], locale: null };
  for (const channel of PREFERENCE_CHANNELS) {
    const wanted = request.channels[channel];
    if (wanted === undefined) continue;
    const { choice, optOut } = states[channel];
    if (wanted && choice === 'off') diff.turnOn.push(channel);
    if (!wanted && choice === 'on' && optOut?.keyedBy !== 'customer') diff.turnOff.push(channel);
  }
  if (request.locale !== undefined && request.locale !== chosenLocale) diff.locale = { from: chosenLocale, to: request.locale };
  return diff;
}

export function isEmptyDiff(diff: PreferenceDiff): boolean {
  return diff.turnOff.length === 0 && diff.turnOn.length === 0 && diff.locale === null;
}

/** The diff as it is recorded: {"email": {"from": "on", "to": "off"}, "locale": {"from": null, "to": "es"}}. */
export function describeDiff(diff: PreferenceDiff): Record<string, { from: string | null; to: string | null }> {
  return {
    ...Object.fromEntries(diff.turnOff.map((channel) => [channel, { from: 'on', to: 'off' }])),
    ...Object.fromEntries(diff.turnOn.map((channel) => [channel, { from: 'off', to: 'on' }])),
    ...(diff.locale ? { locale: diff.locale } : {}),
  };
}

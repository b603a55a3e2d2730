// The delivery funnel: the stages an intervention goes through on one channel, which of them a
// channel can report at all, and each stage's rate. Pure; src/db/funnel.ts counts the stages.
import type { Channel } from './types.js';

/** The main line, in order. `sent` includes bounced emails: a bounce is a send the address refused. */
export const FUNNEL_STAGES = ['decided', 'intervened', 'sent', 'delivered', 'opened', 'clicked', 'responded'] as const;
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/** Counts beside the main line: waiting to be sent, and what was not sent (or bounced). */
export const FUNNEL_SIDE_COUNTS = ['pending', 'scheduled', 'bounced', 'failed', 'suppressed', 'unknown'] as const;
export type FunnelSideCount = (typeof FUNNEL_SIDE_COUNTS)[number];

export type FunnelCount = FunnelStage | FunnelSideCount;

/**
 * Stages a channel never reports, so that the funnel shows "not reported" rather than a 0% that
 * looks like a failure: Twilio reports SMS delivery but not reading; an in-app notification is
 * written to the inbox and an agent call task is opened, with no receipt of either.
 */
const UNREPORTED: Record<Channel, readonly FunnelStage[]> = {
  email: [],
  sms: ['opened', 'clicked'],
  app_notification: ['delivered', 'opened', 'clicked'],
  phone: ['delivered', 'opened', 'clicked'],
};

export function reportsStage(channel: Channel, stage: FunnelStage): boolean {
  return !UNREPORTED[channel].includes(stage);
}

export type FunnelCounts = Record<FunnelCount, number>;

export interface ChannelFunnel extends Omit<FunnelCounts, 'delivered' | 'opened' | 'clicked'> {
  channel: Channel;
  /** null: the channel does not report this stage */
  delivered: number | null;
  opened: number | null;
  clicked: number | null;
  /** each main stage as a share of the stage before it that the channel reports (null: nothing to divide by, or not reported) */
  rates: Record<FunnelStage, number | null>;
}

export function channelFunnel(channel: Channel, counts: FunnelCounts): ChannelFunnel {
  const rates = {} as Record<FunnelStage, number | null>;
  let previous: number | null = null;
  for (const stage of FUNNEL_STAGES) {
    if (!reportsStage(channel, stage)) {
      rates[stage] = null;
      continue;
    }
    rates[stage] = previous !== null && previous > 0 ? counts[stage] / previous : null;
    previous = counts[stage];
  }
  const reported = (stage: FunnelStage) => (reportsStage(channel, stage) ? counts[stage] : null);
  return { channel, ...counts, delivered: reported('delivered'), opened: reported('opened'), clicked: reported('clicked'), rates };
}

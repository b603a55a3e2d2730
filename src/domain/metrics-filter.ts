// What a metrics figure covers: a period and, optionally, one intervention type, one channel and
// one strategy. Pure; the web layer parses it from a query, the db layer turns it into SQL.
import type { Channel, InterventionType } from './types.js';

export const DAY_MS = 86_400_000;

export interface MetricsFilter {
  /** interventions decided at or after this instant */
  start: Date;
  /** ... and before this one (exclusive) */
  end: Date;
  type: InterventionType | null;
  /** interventions that include this channel (holdout ones too: they say which channels would have been used) */
  channel: Channel | null;
  /** this strategy's interventions: its treated ones, and its own holdout (held-out customers fall in a strategy too) */
  strategy: string | null;
}

export const NO_NARROWING = { type: null, channel: null, strategy: null } as const;

/** The `days` before `now`, `now` included. */
export function lastDays(days: number, now: Date, narrowing: Pick<MetricsFilter, 'type' | 'channel' | 'strategy'> = NO_NARROWING): MetricsFilter {
  return { start: new Date(now.getTime() - days * DAY_MS), end: new Date(now.getTime() + 1), ...narrowing };
}

/** Whole days the filter spans (rounded: `lastDays` adds a millisecond to include `now`). */
export function periodDays(filter: Pick<MetricsFilter, 'start' | 'end'>): number {
  return Math.round((filter.end.getTime() - filter.start.getTime()) / DAY_MS);
}

export type TrendBucket = 'hour' | 'day';

/**
 * How finely the trend charts show stored snapshots: a day per point over periods longer than a
 * week (90 days → 90 points, whatever METRICS_EVERY), an hour per point over a week or less
 * (at most 168). Each snapshot already covers a rolling 90-day window, so a bucket shows its
 * last snapshot, the most complete measurement in it, rather than an average of overlapping
 * windows, whose confidence interval would mean nothing.
 */
export function trendBucket(filter: Pick<MetricsFilter, 'start' | 'end'>): TrendBucket {
  return filter.end.getTime() - filter.start.getTime() > 7 * DAY_MS + 1 ? 'day' : 'hour';
}

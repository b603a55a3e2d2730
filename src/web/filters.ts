// The metrics filter of a request (?from=&to=&type=&channel=&strategy=, and ?days= on the API),
// validated into a MetricsFilter or a 400 naming the parameter. Dates are whole UTC days, both
// ends included; the period never reaches past now.
import type { Request } from 'express';
import { DAY_MS, lastDays, type MetricsFilter } from '../domain/metrics-filter.js';
import { CHANNELS, INTERVENTION_TYPES, type Channel, type InterventionType } from '../domain/types.js';
import { InputError } from '../errors.js';
import { intQuery } from './params.js';

/** The filter as the request gave it: what the dashboard's form and links carry on. */
export interface GivenFilter {
  from: string | null;
  to: string | null;
  type: InterventionType | null;
  channel: Channel | null;
  strategy: string | null;
}

export const FILTER_KEYS = ['from', 'to', 'type', 'channel', 'strategy'] as const;

const MAX_DAYS = 3650;
const STRATEGY_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function text(query: Request['query'], name: string): string | null {
  const value = query[name];
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new InputError(`${name} must be given once`);
  return value;
}

function day(query: Request['query'], name: 'from' | 'to'): Date | null {
  const value = text(query, name);
  if (value === null) return null;
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : null;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new InputError(`${name} must be a date as YYYY-MM-DD (got '${value.slice(0, 40)}')`);
  }
  return date;
}

function oneOf<T extends string>(query: Request['query'], name: string, allowed: readonly T[]): T | null {
  const value = text(query, name);
  if (value === null) return null;
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(`${name} must be one of ${allowed.join(', ')} (got '${value.slice(0, 40)}')`);
  return value as T;
}

/**
 * `defaultDays` before now (or before `to`) when `from` is absent; with `days` allowed (the
 * API), it sets that length and may not be combined with `from`.
 */
export function parseFilter(query: Request['query'], now: Date, options: { defaultDays: number; allowDays: boolean }): { filter: MetricsFilter; given: GivenFilter } {
  const from = day(query, 'from');
  const to = day(query, 'to');
  const strategy = text(query, 'strategy');
  if (strategy !== null && !STRATEGY_NAME.test(strategy)) throw new InputError('strategy must be a strategy name: letters, digits, _ and -, at most 64');
  const given: GivenFilter = {
    from: from ? from.toISOString().slice(0, 10) : null,
    to: to ? to.toISOString().slice(0, 10) : null,
    type: oneOf(query, 'type', INTERVENTION_TYPES),
    channel: oneOf(query, 'channel', CHANNELS),
    strategy,
  };
  if (!options.allowDays && query.days !== undefined) throw new InputError('days is not a filter here: use from and to');
  if (from && query.days !== undefined) throw new InputError('give days or from, not both');
  const days = options.allowDays ? intQuery(query.days, 'days', { min: 1, max: MAX_DAYS, fallback: options.defaultDays }) : options.defaultDays;
  const narrowing = { type: given.type, channel: given.channel, strategy: given.strategy };
  const rolling = lastDays(days, now, narrowing);
  // A day given as `to` ends at its midnight, or now if that is sooner.
  const end = to ? new Date(Math.min(to.getTime() + DAY_MS, rolling.end.getTime())) : rolling.end;
  const start = from ?? (to ? new Date(end.getTime() - days * DAY_MS) : rolling.start);
  if (from && to && from > to) throw new InputError('from must be on or before to');
  if (end.getTime() - start.getTime() > MAX_DAYS * DAY_MS + 1) throw new InputError(`from and to may be at most ${MAX_DAYS} days apart`);
  return { filter: { ...narrowing, start, end: end > start ? end : start }, given };
}

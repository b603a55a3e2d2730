// A deterministic synthetic portfolio: customers across time zones and locales, scheduled
// and missed payments, and score histories that rise, fall and stay flat. The demo, the
// tests and the bench build their data with it, so one seed gives one portfolio.
import { DateTime } from 'luxon';
import { strategyFor, type StrategySet } from '../domain/strategies.js';
import type { Customer } from '../domain/types.js';

/** mulberry32: a tiny, well-known seeded PRNG; determinism matters here, not strength. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const REGIONS = [
  { timezone: 'America/New_York', locale: 'en', currency: 'USD', dial: '+1212555' },
  { timezone: 'America/Los_Angeles', locale: 'en', currency: 'USD', dial: '+1415555' },
  { timezone: 'America/Mexico_City', locale: 'es-MX', currency: 'MXN', dial: '+52551234' },
  { timezone: 'Europe/Madrid', locale: 'es', currency: 'EUR', dial: '+3461234' },
  { timezone: 'Europe/London', locale: 'en-GB', currency: 'GBP', dial: '+44791112' },
  { timezone: 'Asia/Tokyo', locale: 'en', currency: 'JPY', dial: '+81901234' },
] as const;
const FIRST = ['Ana', 'James', 'María', 'Liam', 'Sofía', 'Noah', 'Lucía', 'Olivia', 'Mateo', 'Aiko', 'Siobhán', 'Chloé', 'Ravi', 'Zoë'];
const LAST = ['García', 'Smith', 'Hernández', 'Johnson', "O'Brien", 'Martínez', 'Tanaka', 'Williams', 'López', 'Nguyen', 'Brown'];

export type TrajectoryKind = 'rising' | 'falling' | 'flat_high' | 'flat_low' | 'noisy';

export interface SyntheticPayment {
  customerId: string;
  dueDate: string;
  amount: string;
  currency: string;
  status: 'scheduled' | 'paid' | 'missed';
}

export interface SyntheticScore {
  customerId: string;
  riskScore: number;
  scoreDate: Date;
}

export interface Portfolio {
  customers: Customer[];
  payments: SyntheticPayment[];
  /** scores before the batch day: the history the trend is computed from */
  history: SyntheticScore[];
  /** the day's scoring batch, one per customer */
  batch: SyntheticScore[];
}

const DAY = 86_400_000;
const round = (value: number) => Math.round(Math.min(0.999, Math.max(0.001, value)) * 1000) / 1000;
const isoDate = (time: number) => new Date(time).toISOString().slice(0, 10);

export interface PortfolioOptions {
  customers: number;
  seed?: number;
  /** the batch's score date (midnight UTC recommended) */
  asOf: Date;
  /** days of history before the batch */
  historyDays?: number;
  idPrefix?: string;
}

export function generatePortfolio(options: PortfolioOptions): Portfolio {
  const random = seededRandom(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const historyDays = options.historyDays ?? 4;
  const asOf = options.asOf.getTime();
  const portfolio: Portfolio = { customers: [], payments: [], history: [], batch: [] };
  const kinds: TrajectoryKind[] = ['rising', 'falling', 'flat_high', 'flat_low', 'noisy'];

  for (let n = 0; n < options.customers; n += 1) {
    const customerId = `${options.idPrefix ?? 'C'}${String(n + 1).padStart(7, '0')}`;
    const region = pick(REGIONS);
    const first = pick(FIRST);
    const last = pick(LAST);
    portfolio.customers.push({
      customerId,
      fullName: `${first} ${last}`,
      email: `${customerId.toLowerCase()}@example.com`,
      phone: `${region.dial}${1000 + (n % 9000)}`,
      timezone: region.timezone,
      locale: region.locale,
      smsConsent: random() < 0.8,
    });

    const kind = pick(kinds);
    const start = kind === 'rising' ? 0.15 + random() * 0.5 : kind === 'falling' ? 0.5 + random() * 0.4 : kind === 'flat_high' ? 0.62 + random() * 0.3 : kind === 'flat_low' ? 0.05 + random() * 0.3 : random();
    const step = kind === 'rising' ? 0.03 + random() * 0.06 : kind === 'falling' ? -(0.03 + random() * 0.06) : 0;
    for (let day = historyDays; day >= 0; day -= 1) {
      const noise = (random() - 0.5) * (kind === 'noisy' ? 0.2 : 0.02);
      const score = { customerId, riskScore: round(start + step * (historyDays - day) + noise), scoreDate: new Date(asOf - day * DAY) };
      if (day === 0) portfolio.batch.push(score);
      else portfolio.history.push(score);
    }

    const amount = region.currency === 'JPY' ? String(Math.round(20_000 + random() * 80_000)) + '.00' : (50 + random() * 950).toFixed(2);
    portfolio.payments.push({ customerId, dueDate: isoDate(asOf + Math.floor(3 + random() * 25) * DAY), amount, currency: region.currency, status: 'scheduled' });
    portfolio.payments.push({ customerId, dueDate: isoDate(asOf - Math.floor(20 + random() * 10) * DAY), amount, currency: region.currency, status: 'paid' });
    // A few customers are already in default: the policy leaves them to collections.
    if (random() < 0.04) {
      portfolio.payments.push({ customerId, dueDate: isoDate(asOf - Math.floor(1 + random() * 5) * DAY), amount, currency: region.currency, status: 'missed' });
    }
  }
  return portfolio;
}

export interface PastIntervention {
  customerId: string;
  interventionType: 'payment_assistance' | 'flexible_payment' | 'payment_reminder' | 'financial_wellness';
  at: Date;
  holdout: boolean;
  /** the strategy the customer falls in, and the version of its policy */
  strategy: string;
  policyVersion: string;
  /** the due date of a payment missed after the intervention, if the customer defaulted */
  missedDueDate: string | null;
}

/**
 * Interventions of the past `days` with their outcomes, drawn so that outreach lowers the
 * default rate: treated customers of strategy s default with probability `treatedRates[s]`
 * (else `treatedRate`), held-out ones with `holdoutRate`. Each customer falls in their strategy
 * as the engine would assign them. Gives the metrics and the dashboard a history to show.
 */
export function generatePastInterventions(options: {
  customers: readonly Customer[];
  asOf: Date;
  days: number;
  seed?: number;
  strategies: StrategySet;
  treatedRate: number;
  treatedRates?: Record<string, number>;
  holdoutRate: number;
  holdoutShare: number;
}): PastIntervention[] {
  const random = seededRandom(options.seed ?? 7);
  const types = ['payment_assistance', 'flexible_payment', 'flexible_payment', 'payment_reminder', 'financial_wellness'] as const;
  return options.customers.map((customer) => {
    const strategy = strategyFor(options.strategies, customer.customerId);
    const at = new Date(options.asOf.getTime() - (8 + Math.floor(random() * (options.days - 8))) * DAY - Math.floor(random() * DAY));
    const holdout = random() < options.holdoutShare;
    const treatedRate = options.treatedRates?.[strategy.name] ?? options.treatedRate;
    const defaulted = random() < (holdout ? options.holdoutRate : treatedRate);
    return {
      customerId: customer.customerId,
      interventionType: types[Math.floor(random() * types.length)]!,
      at,
      holdout,
      strategy: strategy.name,
      policyVersion: strategy.policy.version,
      missedDueDate: defaulted ? isoDate(at.getTime() + Math.floor(3 + random() * 25) * DAY) : null,
    };
  });
}

/** Zones where it is now daytime, so that quiet hours hold back no SMS or call of a test run. */
export function awakeZones(now: Date): string[] {
  const zones = ['America/New_York', 'America/Los_Angeles', 'Europe/Madrid', 'Europe/London', 'Asia/Tokyo', 'Australia/Sydney', 'Asia/Kolkata', 'America/Sao_Paulo', 'Pacific/Auckland', 'Asia/Dubai'];
  const awake = zones.filter((zone) => {
    const hour = DateTime.fromJSDate(now, { zone }).hour;
    return hour >= 9 && hour < 19;
  });
  return awake.length ? awake : ['UTC'];
}

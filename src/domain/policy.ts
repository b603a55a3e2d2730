// The decision policy (SPEC §3): who needs help, and what kind. Pure: the caller passes the
// customer's state and the policy; time is in the input, never read from a clock.
import { z } from 'zod';
import { isHoldout } from './holdout.js';
import type { ContactWindow } from './quiet-hours.js';
import { riskTrend, type TrendThresholds } from './trend.js';
import {
  CHANNELS,
  INTERVENTION_TYPES,
  OFFERS,
  URGENCIES,
  type Channel,
  type InterventionType,
  type NoInterventionReason,
  type Offer,
  type Trend,
  type Urgency,
} from './types.js';

/** One row of the spec's type table. */
export interface Tier {
  type: InterventionType;
  /** the evaluated score must be at least this (0..1) */
  minScore: number;
  /** the tier also needs one of these trends; null: any trend that reached the table */
  requiresTrend: Trend[] | null;
  urgency: Urgency;
  channels: Channel[];
  /** decision time + this = when the customer should have been contacted (phone task due time) */
  contactWithinHours: number;
  offers: Offer[];
}

export interface Policy {
  /** recorded on every decision, so that a changed policy file is visible in the data */
  version: string;
  /** an intervention (holdout too) at or after score time minus this many days → cooloff */
  cooloffDays: number;
  /** a missed payment due on or after the score's UTC date minus this many days → recent_default */
  recentDefaultDays: number;
  trend: TrendThresholds;
  /** ordered from the highest minScore down; the first that matches decides */
  tiers: Tier[];
  holdout: { percent: number; salt: string };
  /** channels that may only be used inside the window, in the customer's time zone */
  quietHours: ContactWindow & { channels: Channel[] };
  /** days after contact_by with no engagement before the response is recorded as no_response */
  responseWindowDays: number;
}

export const DEFAULT_POLICY: Policy = deepFreeze({
  version: '2026-11-default',
  cooloffDays: 7,
  recentDefaultDays: 7,
  trend: { window: 5, highRisk: 0.6, highRiskRise: 0.05, rise: 0.1, fall: 0.1 },
  tiers: [
    {
      type: 'payment_assistance',
      minScore: 0.8,
      requiresTrend: null,
      urgency: 'critical',
      channels: ['phone', 'email'],
      contactWithinHours: 24,
      offers: ['payment_holiday', 'emi_restructuring', 'hardship_counselling'],
    },
    {
      type: 'flexible_payment',
      minScore: 0.6,
      requiresTrend: null,
      urgency: 'high',
      channels: ['email', 'sms', 'app_notification'],
      contactWithinHours: 120,
      offers: ['due_date_extension', 'split_payment', 'emi_restructuring'],
    },
    {
      type: 'payment_reminder',
      minScore: 0.4,
      requiresTrend: ['increasing'],
      urgency: 'medium',
      channels: ['email', 'app_notification'],
      contactWithinHours: 168,
      offers: ['auto_pay', 'payment_reminders', 'split_payment'],
    },
    {
      type: 'financial_wellness',
      minScore: 0.2,
      requiresTrend: ['increasing'],
      urgency: 'low',
      channels: ['email', 'app_notification'],
      contactWithinHours: 336,
      offers: ['budgeting_tools', 'financial_counselling'],
    },
  ],
  holdout: { percent: 5, salt: 'intervention-holdout-v1' },
  quietHours: { start: '08:00', end: '21:00', channels: ['sms', 'phone'] },
  responseWindowDays: 7,
});

const share = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time such as '08:00'");
const distinct = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item).refine((list) => new Set(list).size === list.length, `must not name the same ${what} twice`);

const tierSchema = z.strictObject({
  type: z.enum(INTERVENTION_TYPES),
  minScore: share,
  // Only these two trends reach the type table (the others stop at the trend gate), so any other
  // value here could never match: refused rather than silently dead.
  requiresTrend: z
    .array(z.enum(['increasing', 'stable_high'], { error: 'must be increasing or stable_high (other trends never reach the tiers)' }))
    .nonempty('must list a trend, or be null for any')
    .nullable(),
  urgency: z.enum(URGENCIES),
  channels: distinct(z.enum(CHANNELS), 'channel').refine((list) => list.length > 0, 'must name at least one channel'),
  contactWithinHours: z.number().positive('must be positive'),
  offers: distinct(z.enum(OFFERS), 'offer'),
});

/** SMS and calls only inside [start, end) in the customer's time zone. */
export const quietHoursSchema = z.strictObject({ start: clockTime, end: clockTime, channels: distinct(z.enum(CHANNELS), 'channel') });

/**
 * A whole policy, as a file states it. Every field is required except responseWindowDays
 * (default 7, for files written before it existed): a policy file is complete, not a patch, so
 * that the file named by a decision's policy_version says everything that was in force.
 */
// Typed as producing a Policy, so that the schema and the interface cannot drift apart.
export const policySchema: z.ZodType<Policy, unknown> = z
  .strictObject({
    version: z.string().trim().min(1, 'must not be empty'),
    cooloffDays: z.number().min(0, 'must not be negative'),
    recentDefaultDays: z.number().int('must be a whole number of days').min(0, 'must not be negative'),
    trend: z.strictObject({
      window: z.number().int('must be a whole number').min(2, 'must be at least 2'),
      highRisk: share,
      highRiskRise: z.number().min(0, 'must not be negative'),
      rise: z.number().min(0, 'must not be negative'),
      fall: z.number().min(0, 'must not be negative'),
    }),
    tiers: z.array(tierSchema).min(1, 'must list at least one tier'),
    holdout: z.strictObject({
      percent: z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100'),
      salt: z.string().min(1, 'must not be empty'),
    }),
    quietHours: quietHoursSchema,
    responseWindowDays: z.number().positive('must be positive').default(7),
  })
  .superRefine((policy, ctx) => {
    policy.tiers.forEach((tier, i) => {
      const previous = policy.tiers[i - 1];
      if (previous && previous.minScore < tier.minScore) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'minScore'], message: 'tiers must be ordered from the highest minScore down' });
      }
      if (policy.tiers.findIndex((t) => t.type === tier.type) < i) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'type'], message: `${tier.type} is already an earlier tier` });
      }
    });
    if (policy.quietHours.start >= policy.quietHours.end) {
      ctx.addIssue({ code: 'custom', path: ['quietHours', 'end'], message: 'must be later than start (windows do not span midnight)' });
    }
  });

export interface EvaluationInput {
  customerId: string;
  scoreDate: Date;
  riskScore: number;
  /** newest first, this score included; only the newest trend.window are used */
  recentScores: readonly number[];
  /** the customer's latest intervention of any kind (holdout too); may be after scoreDate */
  lastInterventionAt: Date | null;
  /** 'YYYY-MM-DD' of the latest missed payment due on or before the score's (UTC) date */
  lastMissedDueDate: string | null;
}

export type NoInterventionDecision = { outcome: 'no_intervention'; reason: NoInterventionReason; trend: Trend; policyVersion: string };
export type InterventionDecision = {
  outcome: 'intervention' | 'holdout';
  reason: null;
  trend: Trend;
  policyVersion: string;
  type: InterventionType;
  urgency: Urgency;
  channels: Channel[];
  offers: Offer[];
  contactWithinHours: number;
};
export type Decision = NoInterventionDecision | InterventionDecision;

/** Every reason decide() can give; trend_increasing and trend_stable_high never stop a decision. */
export const NO_INTERVENTION_REASONS = [
  'cooloff',
  'recent_default',
  'trend_unknown',
  'trend_decreasing',
  'trend_stable_low',
  'below_threshold',
] as const satisfies readonly NoInterventionReason[];

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The score's UTC calendar date minus n days, as 'YYYY-MM-DD'. */
function utcDateMinusDays(at: Date, days: number): string {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return new Date(midnight - days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The one decision for a score, checked in the spec's order: cool-off, recent default, trend,
 * type table, holdout. The trend gate comes before the table, so even a score of 0.85 gets no
 * intervention when the customer's trend is stable_low (e.g. 0.85 the day after a 0.30).
 */
export function decide(input: EvaluationInput, policy: Policy): Decision {
  const trend = riskTrend(input.recentScores, policy.trend);
  const base = { trend, policyVersion: policy.version };
  // "In the 7 days before" includes exactly 7 days (as `>= now - interval '7 days'`), and any
  // intervention after the score, so that replaying an older score never contacts twice a week.
  const cooloffStart = input.scoreDate.getTime() - policy.cooloffDays * DAY_MS;
  if (input.lastInterventionAt && input.lastInterventionAt.getTime() >= cooloffStart) {
    return { outcome: 'no_intervention', reason: 'cooloff', ...base };
  }
  // Due dates are calendar dates; compared as 'YYYY-MM-DD' strings against the score's UTC date.
  if (input.lastMissedDueDate && input.lastMissedDueDate >= utcDateMinusDays(input.scoreDate, policy.recentDefaultDays)) {
    return { outcome: 'no_intervention', reason: 'recent_default', ...base };
  }
  if (trend !== 'increasing' && trend !== 'stable_high') {
    return { outcome: 'no_intervention', reason: `trend_${trend}`, ...base };
  }
  const tier = policy.tiers.find((t) => input.riskScore >= t.minScore && (t.requiresTrend === null || t.requiresTrend.includes(trend)));
  if (!tier) return { outcome: 'no_intervention', reason: 'below_threshold', ...base };
  return {
    outcome: isHoldout(input.customerId, policy.holdout.percent, policy.holdout.salt) ? 'holdout' : 'intervention',
    reason: null,
    ...base,
    type: tier.type,
    urgency: tier.urgency,
    channels: [...tier.channels],
    offers: [...tier.offers],
    contactWithinHours: tier.contactWithinHours,
  };
}

/** The policy with HOLDOUT_PERCENT in place of its own holdout share; unchanged when undefined. */
export function withHoldoutPercent(policy: Policy, percent: number | undefined): Policy {
  return percent === undefined ? policy : { ...policy, holdout: { ...policy.holdout, percent } };
}

/** When the customer should have been contacted by: the decision time plus the tier's window. */
export function contactBy(decidedAt: Date, tier: Pick<Tier, 'contactWithinHours'>): Date {
  return new Date(decidedAt.getTime() + tier.contactWithinHours * HOUR_MS);
}

/** The built-in default is shared by every caller: frozen, so that no caller can change it for the others. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

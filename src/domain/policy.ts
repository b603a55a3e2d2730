// The decision policy (SPEC §3): who needs help, and what kind. Pure: the caller passes the
// customer's state and the policy; time is in the input, never read from a clock.
import { z } from 'zod';
import { isHoldout } from './holdout.js';
import { riskTrend } from './trend.js';
import {
  CHANNELS,
  INTERVENTION_TYPES,
  OFFERS,
  TRENDS,
  URGENCIES,
  type Channel,
  type InterventionType,
  type NoInterventionReason,
  type Offer,
  type Trend,
  type Urgency,
} from './types.js';

const share = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time such as '08:00'");

const tierSchema = z.object({
  type: z.enum(INTERVENTION_TYPES),
  minScore: share,
  /** null: any trend that reached the tier table (increasing or stable_high) */
  requiresTrend: z.array(z.enum(TRENDS)).nonempty().nullable(),
  urgency: z.enum(URGENCIES),
  channels: z.array(z.enum(CHANNELS)).nonempty('must name at least one channel'),
  contactWithinHours: z.number().positive('must be positive'),
  offers: z.array(z.enum(OFFERS)),
});

export const policySchema = z
  .object({
    version: z.string().min(1, 'must not be empty'),
    cooloffDays: z.number().min(0, 'must not be negative'),
    recentDefaultDays: z.number().int().min(0, 'must not be negative'),
    trend: z.object({
      window: z.number().int().min(2, 'must be at least 2'),
      highRisk: share,
      highRiskRise: z.number().min(0),
      rise: z.number().min(0),
      fall: z.number().min(0),
    }),
    tiers: z.array(tierSchema).nonempty('must list at least one tier'),
    holdout: z.object({
      percent: z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100'),
      salt: z.string().min(1, 'must not be empty'),
    }),
    quietHours: z.object({ start: clockTime, end: clockTime, channels: z.array(z.enum(CHANNELS)) }),
    /** days after contact_by with no engagement before the response is recorded as no_response */
    responseWindowDays: z.number().positive(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    policy.tiers.forEach((tier, i) => {
      const previous = policy.tiers[i - 1];
      if (previous && previous.minScore < tier.minScore) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'minScore'], message: 'tiers must be ordered from the highest minScore down' });
      }
    });
    if (policy.quietHours.start >= policy.quietHours.end) {
      ctx.addIssue({ code: 'custom', path: ['quietHours', 'end'], message: 'must be later than start' });
    }
  });

export type Policy = z.infer<typeof policySchema>;
export type Tier = Policy['tiers'][number];

export const DEFAULT_POLICY: Policy = {
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
};

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

export type Decision =
  | { outcome: 'no_intervention'; reason: NoInterventionReason; trend: Trend; policyVersion: string }
  | {
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

const DAY_MS = 86_400_000;

/** The score's UTC calendar date minus n days, as 'YYYY-MM-DD'. */
function utcDateMinusDays(at: Date, days: number): string {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return new Date(midnight - days * DAY_MS).toISOString().slice(0, 10);
}

export function decide(input: EvaluationInput, policy: Policy): Decision {
  const trend = riskTrend(input.recentScores, policy.trend);
  const base = { trend, policyVersion: policy.version };
  // Cool-off: "in the 7 days before" includes exactly 7 days (as `>= now - interval '7 days'`),
  // and any intervention after the score, so that a customer is never contacted twice a week.
  const cooloffStart = input.scoreDate.getTime() - policy.cooloffDays * DAY_MS;
  if (input.lastInterventionAt && input.lastInterventionAt.getTime() >= cooloffStart) {
    return { outcome: 'no_intervention', reason: 'cooloff', ...base };
  }
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

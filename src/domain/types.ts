// The engine's vocabulary, shared by every layer. Pure types and constants: no I/O.

export const INTERVENTION_TYPES = [
  'payment_assistance',
  'flexible_payment',
  'payment_reminder',
  'financial_wellness',
] as const;
export type InterventionType = (typeof INTERVENTION_TYPES)[number];

export const CHANNELS = ['email', 'sms', 'app_notification', 'phone'] as const;
export type Channel = (typeof CHANNELS)[number];

export const URGENCIES = ['critical', 'high', 'medium', 'low'] as const;
export type Urgency = (typeof URGENCIES)[number];

export const TRENDS = ['unknown', 'increasing', 'stable_high', 'decreasing', 'stable_low'] as const;
export type Trend = (typeof TRENDS)[number];

export const DECISION_OUTCOMES = ['intervention', 'holdout', 'no_intervention'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export type NoInterventionReason = 'cooloff' | 'recent_default' | `trend_${Trend}` | 'below_threshold';

export const DELIVERY_STATUSES = [
  'pending',
  'scheduled',
  'sending',
  'sent',
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'failed',
  'suppressed',
  'unknown',
  'outbox',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const RESPONSE_TYPES = ['accepted_offer', 'engaged', 'no_response', 'opted_out'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];

/** A risk score as a scoring batch gives it, validated. */
export interface ScoreRow {
  customerId: string;
  riskScore: number;
  riskLevel: string | null;
  scoreDate: Date;
  explanation: Record<string, unknown> | null;
}

export interface Customer {
  customerId: string;
  fullName: string;
  email: string | null;
  /** E.164 */
  phone: string | null;
  /** IANA time zone, e.g. 'Europe/Madrid' */
  timezone: string;
  /** BCP 47 language tag, e.g. 'en', 'es', 'es-MX' */
  locale: string;
  smsConsent: boolean;
}

/** The customer's next scheduled payment, as stored (amount as a decimal string, never a float). */
export interface ScheduledPayment {
  /** 'YYYY-MM-DD' */
  dueDate: string;
  amount: string;
  /** ISO 4217, e.g. 'USD' */
  currency: string;
}

/** Offers a type can carry. Keys, not wording: templates turn them into words per locale. */
export const OFFERS = [
  'payment_holiday',
  'emi_restructuring',
  'hardship_counselling',
  'due_date_extension',
  'split_payment',
  'auto_pay',
  'payment_reminders',
  'budgeting_tools',
  'financial_counselling',
] as const;
export type Offer = (typeof OFFERS)[number];

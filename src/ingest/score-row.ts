// One row of a scoring batch, validated. Messages name the field, so that a rejects file
// reads "risk_score: must be between 0 and 1 (got 1.7)".
import { z } from 'zod';
import type { ScoreRow } from '../domain/types.js';

const explanationSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => value.top_drivers === undefined || Array.isArray(value.top_drivers), {
    message: 'top_drivers must be a list',
  });

function fieldError(field: string, message: string, got?: unknown): string {
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)?.slice(0, 60)})`;
  return `${field}: ${message}${shown}`;
}

const blank = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** Validates a raw row (CSV strings or JSON values); `defaultScoreDate` stands for a missing score_date. */
export function parseScoreRow(raw: Record<string, unknown>, defaultScoreDate: Date): { row: ScoreRow } | { error: string } {
  const customerId = typeof raw.customer_id === 'number' ? String(raw.customer_id) : raw.customer_id;
  if (typeof customerId !== 'string' || customerId.trim() === '') return { error: fieldError('customer_id', 'is missing') };
  if (customerId.length > 128) return { error: fieldError('customer_id', 'is longer than 128 characters') };
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(customerId)) return { error: fieldError('customer_id', 'must not contain control characters') };

  const scoreValue = typeof raw.risk_score === 'string' && raw.risk_score.trim() !== '' ? Number(raw.risk_score) : raw.risk_score;
  if (blank(raw.risk_score)) return { error: fieldError('risk_score', 'is missing') };
  if (typeof scoreValue !== 'number' || !Number.isFinite(scoreValue)) return { error: fieldError('risk_score', 'is not a number', raw.risk_score) };
  if (scoreValue < 0 || scoreValue > 1) return { error: fieldError('risk_score', 'must be between 0 and 1', raw.risk_score) };

  let scoreDate = defaultScoreDate;
  if (!blank(raw.score_date)) {
    const text = raw.score_date;
    const parsed = typeof text === 'string' && /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim()) ? new Date(text.trim()) : null;
    if (!parsed || Number.isNaN(parsed.getTime())) {
      return { error: fieldError('score_date', 'is not an ISO 8601 date such as 2026-11-25 or 2026-11-25T06:00:00Z', text) };
    }
    scoreDate = parsed;
  }

  let explanation: Record<string, unknown> | null = null;
  if (!blank(raw.explanation)) {
    let value: unknown = raw.explanation;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        return { error: fieldError('explanation', 'is not valid JSON') };
      }
    }
    const checked = explanationSchema.safeParse(value);
    if (!checked.success) return { error: fieldError('explanation', checked.error.issues[0]?.message ?? 'must be a JSON object') };
    explanation = checked.data;
  }

  const riskLevel = blank(raw.risk_level) ? null : String(raw.risk_level).trim().slice(0, 40);
  return { row: { customerId: customerId.trim(), riskScore: scoreValue, riskLevel, scoreDate, explanation } };
}

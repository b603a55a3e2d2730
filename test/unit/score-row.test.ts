// One score row, validated: every bad field is a reject naming the field, never an exception.
import { describe, expect, it } from 'vitest';
import { MAX_SCORE_DATE_AHEAD_MS, parseScoreRow } from '../../src/ingest/score-row.js';

const now = new Date('2026-11-25T14:00:00Z');
const at = { defaultScoreDate: new Date('2026-11-25T00:00:00Z'), now };
const nested = (depth: number) => `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`;

describe('parseScoreRow', () => {
  it.each([
    ['a NUL in risk_level', { risk_level: 'hi\u0000gh' }, /^risk_level: contains a NUL character/],
    ['an object as risk_level', { risk_level: { a: 1 } }, /^risk_level: must be a text/],
    ['a NUL in customer_id', { customer_id: 'C\u0000' }, /^customer_id: must not contain control characters/],
    ['a lone surrogate in customer_id', { customer_id: 'C\ud800' }, /^customer_id: contains an unpaired surrogate/],
    ['an explanation 5,000 levels deep (CSV text)', { explanation: nested(5_000) }, /^explanation: is nested deeper than 8 levels$/],
    ['an explanation 5,000 levels deep (JSON value)', { explanation: JSON.parse(nested(5_000)) as unknown }, /^explanation: is nested deeper than 8 levels$/],
    ['a NUL inside the explanation', { explanation: { top_drivers: ['a\u0000'] } }, /^explanation: top_drivers\.0 contains a NUL/],
    ['an explanation of 20,000 characters', { explanation: JSON.stringify({ a: 'x'.repeat(20_000) }) }, /^explanation: is larger than 16384 characters$/],
    ['a hex score', { risk_score: '0x1' }, /^risk_score: is not a decimal number such as 0\.72 \(got "0x1"\)$/],
    ['an exponent out of range', { risk_score: '1e3' }, /^risk_score: must be between 0 and 1/],
    ['a score as a deep list', { risk_score: JSON.parse(`${'['.repeat(5_000)}${']'.repeat(5_000)}`) as unknown }, /^risk_score: is not a decimal number such as 0\.72 \(got a list\)$/],
    ['February 30th', { score_date: '2026-02-30' }, /^score_date: is not a calendar date/],
    ['the end of time', { score_date: '9999-12-31' }, /^score_date: is more than a day ahead of the engine's clock/],
    ['a date as a number', { score_date: 20261125 }, /^score_date: is not a calendar date/],
  ])('rejects %s', (_what, fields, error) => {
    const result = parseScoreRow({ customer_id: 'C1', risk_score: '0.5', ...fields }, at);
    expect('error' in result ? result.error : 'stored').toMatch(error);
  });

  it.each([
    ['a score written with an exponent', { risk_score: '7.2e-1' }, (row: { riskScore: number }) => expect(row.riskScore).toBe(0.72)],
    ['a score as a JSON number', { risk_score: 0.5 }, (row: { riskScore: number }) => expect(row.riskScore).toBe(0.5)],
    ['a date exactly one day ahead', { score_date: new Date(now.getTime() + MAX_SCORE_DATE_AHEAD_MS).toISOString() }, (row: { scoreDate: Date }) => expect(row.scoreDate.getTime()).toBe(now.getTime() + MAX_SCORE_DATE_AHEAD_MS)],
    ['tomorrow\'s date in a zone ahead of UTC', { score_date: '2026-11-26' }, (row: { scoreDate: Date }) => expect(row.scoreDate.toISOString()).toBe('2026-11-26T00:00:00.000Z')],
    ['a leap day', { score_date: '2024-02-29' }, (row: { scoreDate: Date }) => expect(row.scoreDate.toISOString()).toBe('2024-02-29T00:00:00.000Z')],
    ['a long risk level, cut', { risk_level: 'x'.repeat(50) }, (row: { riskLevel: string | null }) => expect(row.riskLevel).toHaveLength(40)],
  ])('accepts %s', (_what, fields, check) => {
    const result = parseScoreRow({ customer_id: 'C1', risk_score: '0.5', ...fields }, at);
    if ('error' in result) throw new Error(result.error);
    check(result.row as never);
  });

  it('reads each row\'s own date, however the dates of consecutive rows repeat or change', () => {
    const dates = ['2026-11-24', '2026-11-24', '2026-02-30', '2026-02-30', '2026-11-24', '2026-11-23T10:00:00+02:00', ' 2026-11-24 ', '2026-11-24'];
    const read = dates.map((score_date) => {
      const result = parseScoreRow({ customer_id: 'C1', risk_score: '0.5', score_date }, at);
      return 'error' in result ? null : result.row.scoreDate;
    });
    expect(read.map((date) => date?.toISOString() ?? null)).toEqual([
      '2026-11-24T00:00:00.000Z',
      '2026-11-24T00:00:00.000Z',
      null,
      null,
      '2026-11-24T00:00:00.000Z',
      '2026-11-23T08:00:00.000Z',
      '2026-11-24T00:00:00.000Z',
      '2026-11-24T00:00:00.000Z',
    ]);
    // Each row has a date of its own: changing one changes no other.
    read[0]!.setUTCFullYear(2000);
    expect(read[1]!.toISOString()).toBe('2026-11-24T00:00:00.000Z');
  });
});

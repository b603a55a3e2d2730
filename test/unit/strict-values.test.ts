// Numbers and dates as text, read strictly: decimals only, calendar-valid dates, no roll-over.
import { describe, expect, it } from 'vitest';
import { parseDecimal, parseIsoInstant } from '../../src/domain/strict-values.js';

describe('parseDecimal', () => {
  it.each([
    ['0.72', 0.72],
    [' 0.72 ', 0.72],
    ['.5', 0.5],
    ['1', 1],
    ['1.', 1],
    ['-0.1', -0.1],
    ['1e-05', 0.00001], // how Python and R write small floats
    ['7.2E-1', 0.72],
    ['1e3', 1000],
    ['0x1', null],
    ['0o1', null],
    ['0b1', null],
    ['+0.5', null],
    ['Infinity', null],
    ['NaN', null],
    ['1_000', null],
    ['1,5', null],
    ['0. 5', null],
    ['', null],
    ['1e999', null],
    ['e3', null],
  ])('%j → %j', (text, expected) => {
    expect(parseDecimal(text)).toBe(expected);
  });
});

describe('parseIsoInstant', () => {
  it.each([
    ['2026-11-25', '2026-11-25T00:00:00.000Z'],
    ['2026-11-25T06:00:00Z', '2026-11-25T06:00:00.000Z'],
    ['2026-11-25T06:00Z', '2026-11-25T06:00:00.000Z'],
    ['2026-11-25 06:00:00.123456+01:00', '2026-11-25T05:00:00.123Z'],
    ['2026-11-25T06:00:00-0530', '2026-11-25T11:30:00.000Z'],
    ['2026-11-25T06:00:00+14', '2026-11-24T16:00:00.000Z'],
    ['2026-11-25T06:00:00', '2026-11-25T06:00:00.000Z'], // no offset: UTC, whatever the server's zone
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29', '2000-02-29T00:00:00.000Z'],
    ['0099-01-01', '0099-01-01T00:00:00.000Z'], // not 1999: no two-digit year mapping
  ])('%j → %s', (text, expected) => {
    expect(parseIsoInstant(text)?.toISOString()).toBe(expected);
  });

  it.each([
    '2026-02-30', // rolls over to March 2nd in new Date
    '2026-02-29',
    '1900-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-11-00',
    '2026-11-25T24:00',
    '2026-11-25T23:60',
    '2026-11-25T23:59:60',
    '2026-11-25T06:00+15:00',
    '2026-11-25T06:00+01:60',
    '2026-11-25T99:00',
    '26-11-25',
    '2026-1-5',
    '2026/11/25',
    'tomorrow',
    '',
  ])('refuses %j', (text) => {
    expect(parseIsoInstant(text)).toBeNull();
  });
});

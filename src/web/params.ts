// Path and query parameters, validated into values or a 400 that says which and why.
import { InputError } from '../errors.js';

export function idParam(value: string | undefined, name: string): number {
  if (!value || !/^[1-9]\d{0,15}$/.test(value)) throw new InputError(`${name} must be a positive integer (got '${String(value).slice(0, 40)}')`);
  return Number(value);
}

export function customerIdParam(value: string | undefined): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (!value || value.length > 128 || /[\u0000-\u001f]/.test(value)) {
    throw new InputError('customer_id must be 1-128 printable characters');
  }
  return value;
}

export function intQuery(value: unknown, name: string, range: { min: number; max: number; fallback: number }): number {
  if (value === undefined) return range.fallback;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw new InputError(`${name} must be a whole number from ${range.min} to ${range.max}`);
  const number = Number(value);
  if (number < range.min || number > range.max) throw new InputError(`${name} must be a whole number from ${range.min} to ${range.max} (got ${number})`);
  return number;
}

// The one place a provider failure becomes a ProviderError: 429 and 5xx retry (honouring
// Retry-After); a connection that never reached the provider retries; a request that may have
// reached it (timeout, reset) has an unknown outcome and is never retried blindly; other 4xx fail.
import { ProviderError, errorMessage } from '../../errors.js';

/** Network failures that prove the request never reached the provider. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_INVALID_URL']);

export function retryAfterMs(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function header(headers: unknown, name: string): unknown {
  if (!headers || typeof headers !== 'object') return undefined;
  const getter = (headers as { get?: unknown }).get;
  if (typeof getter === 'function') return (getter as (n: string) => unknown).call(headers, name);
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

/** Classifies an HTTP answer (status, body message, provider code, headers). */
export function httpProviderError(provider: string, status: number, message: string, code: string | undefined, headers: unknown): ProviderError {
  const retryable = status === 429 || status >= 500;
  return new ProviderError(message || `HTTP ${status}`, {
    provider,
    retryable,
    status,
    ...(code ? { code } : {}),
    ...(retryable ? { retryAfterMs: retryAfterMs(header(headers, 'retry-after')) } : {}),
  });
}

/** Classifies a failure with no HTTP answer. */
export function networkProviderError(provider: string, error: unknown): ProviderError {
  const code = (error as { code?: string } | null)?.code;
  const message = errorMessage(error);
  if (code && NOT_SENT.has(code)) return new ProviderError(`${code}: ${message}`, { provider, retryable: true, code });
  return new ProviderError(`no answer from ${provider} (${code ?? 'error'}): ${message}`, { provider, retryable: false, outcomeUnknown: true, ...(code ? { code } : {}) });
}

interface SendGridResponseError {
  code: number;
  response?: { headers?: unknown; body?: unknown };
}

export function sendGridError(error: unknown): ProviderError {
  const e = error as SendGridResponseError | null;
  if (e && typeof e.code === 'number' && e.response) {
    const body = e.response.body as { errors?: { message?: string; field?: string | null }[] } | undefined;
    const first = body?.errors?.[0];
    const message = first ? `${first.message ?? 'error'}${first.field ? ` (${first.field})` : ''}` : `HTTP ${e.code}`;
    return httpProviderError('sendgrid', e.code, message, undefined, e.response.headers);
  }
  return networkProviderError('sendgrid', error);
}

interface TwilioRestException {
  status: number;
  code?: number;
  message?: string;
}

export function twilioError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = error as TwilioRestException | null;
  if (e && typeof e.status === 'number') {
    return httpProviderError('twilio', e.status, e.message ?? `HTTP ${e.status}`, e.code === undefined ? undefined : String(e.code), undefined);
  }
  return networkProviderError('twilio', error);
}

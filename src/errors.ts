// The kinds of error the engine distinguishes, all here. Callers map kinds, not messages:
// InputError → 4xx / one-line CLI message; ConfigError → start-up stops; ProviderError → retry
// or fail the delivery (src/domain/delivery-plan.ts decides which); SmsTooLongError → that
// customer is reached on the other channels; anything else → 500 and a log line with context.

/** A client's mistake: bad input, bad arguments, unknown ids. Its message is safe to show. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 = 400,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** A configuration value that cannot be used; start-up stops with its one-line message. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A provider (SendGrid, Twilio) refused or failed a request. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly details: {
      provider: string;
      retryable: boolean;
      /** HTTP status, when the provider answered */
      status?: number;
      /** the provider's own error code, e.g. Twilio 21211 */
      code?: string;
      /** from a Retry-After header */
      retryAfterMs?: number | undefined;
      /** the request may have reached the provider (a timeout, a reset): never retry it blindly */
      outcomeUnknown?: boolean;
    },
  ) {
    super(message);
    this.name = 'ProviderError';
  }
  get retryable(): boolean {
    return this.details.retryable;
  }
}

/** The message of anything thrown, for a log line or a one-line error. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Anything thrown, as an Error. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Even the shorter SMS wording takes more than two segments for this customer. Nothing is cut. */
export class SmsTooLongError extends Error {
  constructor(
    readonly template: string,
    readonly size: { encoding: string; segments: number; units: number },
    readonly maxSegments: number,
  ) {
    super(`template ${template} renders ${size.segments} SMS segments (${size.encoding}, ${size.units} units); at most ${maxSegments} are allowed`);
    this.name = 'SmsTooLongError';
  }
}

/** A zod error map under which a missing field reads "is required", not "expected number, received undefined". */
export const missingFieldIsRequired = { error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : undefined) };

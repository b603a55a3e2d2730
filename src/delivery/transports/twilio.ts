// Twilio Messages API through the official twilio SDK. The SDK always builds URLs on
// https://api.twilio.com; a RequestClient subclass rewrites that origin to TWILIO_API_URL
// (a local fake in tests). The SDK's own retries stay off: our queue retries, with backoff.
import twilio from 'twilio';
import type SdkRequestClient from 'twilio/lib/base/RequestClient.js';
import { httpProviderError, twilioError } from './provider-error.js';

const TWILIO_ORIGIN = 'https://api.twilio.com';

class RedirectingRequestClient extends twilio.RequestClient {
  constructor(
    private readonly apiUrl: string,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs, autoRetry: false, keepAlive: true });
  }

  override async request<TData>(opts: SdkRequestClient.RequestOptions<TData>): Promise<{ statusCode: number; body: TData; headers: unknown }> {
    const uri = opts.uri.startsWith(TWILIO_ORIGIN) ? `${this.apiUrl}${opts.uri.slice(TWILIO_ORIGIN.length)}` : opts.uri;
    const response = await super.request({ ...opts, uri });
    // Keep Retry-After, which the SDK's RestException drops.
    if (response.statusCode === 429) {
      const body = response.body as { message?: string; code?: number } | undefined;
      throw httpProviderError('twilio', 429, body?.message ?? 'Too Many Requests', body?.code === undefined ? undefined : String(body.code), response.headers);
    }
    return response;
  }
}

export interface SmsSend {
  to: string;
  body: string;
  statusCallback: string;
}

export interface TwilioSender {
  send(message: SmsSend): Promise<{ providerMessageId: string }>;
}

export function createTwilioSender(options: { accountSid: string; authToken: string; fromNumber: string; apiUrl: string; timeoutMs?: number }): TwilioSender {
  const client = twilio(options.accountSid, options.authToken, {
    httpClient: new RedirectingRequestClient(options.apiUrl, options.timeoutMs ?? 10_000),
    autoRetry: false,
  });
  return {
    async send(message) {
      try {
        const created = await client.messages.create({ to: message.to, from: options.fromNumber, body: message.body, statusCallback: message.statusCallback });
        return { providerMessageId: created.sid };
      } catch (error) {
        throw twilioError(error);
      }
    },
  };
}

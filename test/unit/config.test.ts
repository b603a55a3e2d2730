// Configuration: SPEC §7 defaults, and one line naming the variable for a bad value.
import { describe, expect, it } from 'vitest';
import { debugRequested, loadConfig, parseDuration } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { redisSeeds, redisWhere } from '../../src/queues/connection.js';
import { bullPrefix } from '../../src/queues/names.js';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/interventions',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'ie',
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      adminToken: undefined,
      holdoutPercent: undefined,
      metricsEveryMs: 3_600_000,
      retentionMonths: 25,
      queueBackend: 'redis',
      workerQueues: ['evaluate-customer', 'deliver-email', 'deliver-sms', 'deliver-app', 'deliver-phone', 'sweep-responses', 'metrics-snapshot'],
    });
    expect(config.sendgrid.apiKey).toBeUndefined();
    expect(config.sendgrid.apiUrl).toBe('https://api.sendgrid.com');
    expect(config.twilio.apiUrl).toBe('https://api.twilio.com');
  });

  it('reads WORKER_QUEUES as a list of queue names, in start-up order', () => {
    expect(loadConfig({ WORKER_QUEUES: 'deliver-sms, evaluate-customer' }).workerQueues).toEqual(['evaluate-customer', 'deliver-sms']);
  });

  it('takes REDIS_URL as one node or a comma-separated list of a cluster\'s seed nodes', () => {
    const list = 'redis://10.0.0.1:7000, redis://10.0.0.2:7000';
    expect(loadConfig({ REDIS_URL: list }).redisUrl).toBe(list);
    expect(redisSeeds(list).map((seed) => seed.host)).toEqual(['10.0.0.1:7000', '10.0.0.2:7000']);
    expect(redisWhere(list)).toBe('10.0.0.1:7000,10.0.0.2:7000');
  });

  it('gives each queue a hash tag of its own under QUEUE_PREFIX', () => {
    expect(bullPrefix('ie', 'evaluate-customer')).toBe('{ie:evaluate-customer}');
    expect(bullPrefix('ie', 'deliver-email')).toBe('{ie:deliver-email}');
  });

  it('derives PUBLIC_BASE_URL from PORT and trims a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://engine.example.com/' }).publicBaseUrl).toBe('https://engine.example.com');
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, "DATABASE_URL: must be a postgres or postgresql URL (got 'mysql://x')"],
    [{ REDIS_URL: 'not a url' }, "REDIS_URL: must be a redis or rediss URL (got 'not a url')"],
    [{ REDIS_URL: 'redis://10.0.0.1:7000,http://10.0.0.2:7000' }, "REDIS_URL: must be a redis or rediss URL (got 'redis://10.0.0.1:7000,http://10.0.0.2:7000')"],
    [{ HOLDOUT_PERCENT: '-5' }, "HOLDOUT_PERCENT: must be between 0 and 100 (got '-5')"],
    [{ HOLDOUT_PERCENT: 'five' }, "HOLDOUT_PERCENT: must be a number (got 'five')"],
    [{ PORT: '70000' }, "PORT: must be a port number (0-65535) (got '70000')"],
    [{ METRICS_EVERY: 'hourly' }, "METRICS_EVERY: must be a duration such as '30s', '15m', '1h' or '1d' (got 'hourly')"],
    [{ RETENTION_MONTHS: '3' }, "RETENTION_MONTHS: must be at least 4 (the metrics read the last 90 days) (got '3')"],
    [{ RETENTION_MONTHS: '2.5' }, "RETENTION_MONTHS: must be a whole number of months (got '2.5')"],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, "PUBLIC_BASE_URL: must be a http or https URL (got 'ftp://x')"],
    [{ TWILIO_FROM_NUMBER: '555-1234' }, "TWILIO_FROM_NUMBER: must be an E.164 number such as +15551234567 (got '555-1234')"],
    [{ SENDGRID_WEBHOOK_PUBLIC_KEY: 'not-a-key' }, 'SENDGRID_WEBHOOK_PUBLIC_KEY: must be the verification key SendGrid shows for the Signed Event Webhook'],
    [{ QUEUE_PREFIX: 'a b' }, "QUEUE_PREFIX: must be 1-40 letters, digits, dots, dashes or underscores (got 'a b')"],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN: must be at least 16 characters'],
    [{ VIEWER_TOKEN: 'short' }, 'VIEWER_TOKEN: must be at least 16 characters'],
    [{ ADMIN_TOKEN: 'the-same-token-0123456789', VIEWER_TOKEN: 'the-same-token-0123456789' }, 'VIEWER_TOKEN: must differ from ADMIN_TOKEN'],
    [{ QUEUE_BACKEND: 'kafka' }, "QUEUE_BACKEND: must be redis or postgres (got 'kafka')"],
    [{ WORKER_QUEUES: 'evaluate-customer,deliver-fax' }, 'WORKER_QUEUES: unknown queue deliver-fax; the queues are evaluate-customer, deliver-email'],
  ])('stops on %o with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never echoes a secret in its message, nor the password in a URL', () => {
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).not.toThrow(/short/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://app:hunter22@db.example.com/x' })).toThrow(
      "DATABASE_URL: must be a postgres or postgresql URL (got 'mysql://app:***@db.example.com/x')",
    );
  });

  it("takes a command's own defaults for what the environment leaves unset", () => {
    expect(loadConfig({}, { LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(loadConfig({ LOG_LEVEL: 'debug' }, { LOG_LEVEL: 'warn' }).logLevel).toBe('debug');
    expect(() => loadConfig({}, { LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL: .* \(got 'loud'\)$/);
  });
});

describe('debugRequested', () => {
  it.each([
    [{}, false],
    [{ DEBUG: '' }, false],
    [{ DEBUG: '1' }, true],
  ])('%o → %s', (env, requested) => {
    expect(debugRequested(env)).toBe(requested);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['0s', null],
    ['1w', null],
    ['', null],
  ])('%s → %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

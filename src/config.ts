// Every environment variable the engine reads, parsed once (zod) into one typed object.
// A bad value stops start-up with one line naming the variable (ConfigError).
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { ALL_QUEUES, type QueueName } from './queues/names.js';

/** Where the queues live: Redis, or the engine's own PostgreSQL database (BullMQ's PostgreSQL backend). */
export const QUEUE_BACKENDS = ['redis', 'postgres'] as const;
export type QueueBackend = (typeof QUEUE_BACKENDS)[number];

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** '90s', '15m', '1h', '1d' → milliseconds. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms > 0 ? ms : null;
}

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL` },
  );

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value && value.trim() !== '' ? value.trim() : undefined));

const positiveInt = (fallback: number) =>
  z.coerce.number({ message: 'must be a number' }).int('must be a whole number').positive('must be positive').default(fallback);

const envSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/interventions'),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  QUEUE_BACKEND: z.enum(QUEUE_BACKENDS, { error: `must be ${QUEUE_BACKENDS.join(' or ')}` }).default('redis'),
  DATABASE_POOL_SIZE: positiveInt(20),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,40}$/, 'must be 1-40 letters, digits, dots, dashes or underscores')
    .default('ie'),
  PORT: z.coerce.number({ message: 'must be a number' }).int().min(0).max(65535, 'must be a port number (0-65535)').default(3000),
  PUBLIC_BASE_URL: url(['http:', 'https:']).optional(),
  ADMIN_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  SIGNING_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  SENDGRID_API_KEY: optionalText,
  SENDGRID_FROM_EMAIL: optionalText.pipe(z.email('must be an email address').optional()),
  SENDGRID_FROM_NAME: z.string().default('Customer Care'),
  SENDGRID_API_URL: url(['http:', 'https:']).default('https://api.sendgrid.com'),
  SENDGRID_WEBHOOK_PUBLIC_KEY: optionalText,
  SENDGRID_RATE_PER_SECOND: positiveInt(100),
  TWILIO_ACCOUNT_SID: optionalText,
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_FROM_NUMBER: optionalText.pipe(z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15551234567').optional()),
  TWILIO_API_URL: url(['http:', 'https:']).default('https://api.twilio.com'),
  TWILIO_RATE_PER_SECOND: positiveInt(30),
  SUPPORT_PHONE: z.string().default('+1 800 555 0100'),
  HELP_URL: url(['http:', 'https:']).optional(),
  POLICY_FILE: optionalText,
  HOLDOUT_PERCENT: z.coerce.number({ message: 'must be a number' }).min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100').optional(),
  METRICS_EVERY: z
    .string()
    .default('1h')
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: "must be a duration such as '30s', '15m', '1h' or '1d'" });
        return z.NEVER;
      }
      return ms;
    }),
  // The metrics read 90 days of deliveries, and a month is dropped only once all of it is past
  // the retention: four months keep every day the metrics read.
  RETENTION_MONTHS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number of months')
    .min(4, 'must be at least 4 (the metrics read the last 90 days)')
    .default(25),
  EVALUATE_CONCURRENCY: positiveInt(8),
  DELIVERY_MAX_ATTEMPTS: positiveInt(8),
  DELIVERY_BACKOFF_MS: positiveInt(2_000),
  PROVIDER_TIMEOUT_MS: positiveInt(10_000),
  JOB_LOCK_MS: positiveInt(30_000),
  WORKER_QUEUES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return [...ALL_QUEUES];
      const names = value.split(',').map((name) => name.trim());
      const unknown = names.filter((name) => !ALL_QUEUES.some((queue) => queue === name));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `unknown queue ${unknown.join(', ')}; the queues are ${ALL_QUEUES.join(', ')}` });
        return z.NEVER;
      }
      return ALL_QUEUES.filter((queue) => names.includes(queue));
    }),
  WORKER_METRICS_PORT: z.coerce.number({ message: 'must be a number' }).int().min(0).max(65535, 'must be a port number (0-65535)').default(9464),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  databaseUrl: string;
  /** Postgres connections per process; jobs beyond it wait for one */
  databasePoolSize: number;
  redisUrl: string;
  queueBackend: QueueBackend;
  queuePrefix: string;
  port: number;
  publicBaseUrl: string;
  adminToken: string | undefined;
  signingSecret: string | undefined;
  sendgrid: {
    apiKey: string | undefined;
    fromEmail: string | undefined;
    fromName: string;
    apiUrl: string;
    webhookPublicKey: string | undefined;
    ratePerSecond: number;
  };
  twilio: {
    accountSid: string | undefined;
    authToken: string | undefined;
    fromNumber: string | undefined;
    apiUrl: string;
    ratePerSecond: number;
  };
  sender: { name: string; email: string; phone: string; helpUrl: string };
  policyFile: string | undefined;
  holdoutPercent: number | undefined;
  metricsEveryMs: number;
  /** months of raw rows kept (decisions, deliveries, events, notifications, scores); older months are dropped whole */
  retentionMonths: number;
  evaluateConcurrency: number;
  /** a retryable send is tried this many times in all, the waits doubling from backoffMs */
  delivery: { maxAttempts: number; backoffMs: number };
  /** how long a provider may take to answer; past it the send's outcome is unknown */
  providerTimeoutMs: number;
  /** a job is taken up again this long after its worker stopped renewing its lock (died) */
  jobLockMs: number;
  /** where a worker process serves its own /metrics; 0 turns it off */
  workerMetricsPort: number;
  /** the queues `npm run worker` works (all by default) */
  workerQueues: QueueName[];
  logLevel: string;
}

/** Parses the environment; throws ConfigError("NAME: what is wrong") on the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    const value = env[name];
    const shown = value === undefined || /TOKEN|KEY|SECRET/.test(name) ? '' : ` (got '${value}')`;
    throw new ConfigError(`${name}: ${issue?.message ?? 'invalid value'}${shown}`);
  }
  const e = parsed.data;
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    queueBackend: e.QUEUE_BACKEND,
    queuePrefix: e.QUEUE_PREFIX,
    port: e.PORT,
    publicBaseUrl,
    adminToken: e.ADMIN_TOKEN,
    signingSecret: e.SIGNING_SECRET,
    sendgrid: {
      apiKey: e.SENDGRID_API_KEY,
      fromEmail: e.SENDGRID_FROM_EMAIL,
      fromName: e.SENDGRID_FROM_NAME,
      apiUrl: e.SENDGRID_API_URL.replace(/\/+$/, ''),
      webhookPublicKey: e.SENDGRID_WEBHOOK_PUBLIC_KEY,
      ratePerSecond: e.SENDGRID_RATE_PER_SECOND,
    },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      fromNumber: e.TWILIO_FROM_NUMBER,
      apiUrl: e.TWILIO_API_URL.replace(/\/+$/, ''),
      ratePerSecond: e.TWILIO_RATE_PER_SECOND,
    },
    sender: {
      name: e.SENDGRID_FROM_NAME,
      email: e.SENDGRID_FROM_EMAIL ?? 'care@example.com',
      phone: e.SUPPORT_PHONE,
      helpUrl: e.HELP_URL ?? `${publicBaseUrl}/help`,
    },
    policyFile: e.POLICY_FILE,
    holdoutPercent: e.HOLDOUT_PERCENT,
    metricsEveryMs: e.METRICS_EVERY,
    retentionMonths: e.RETENTION_MONTHS,
    evaluateConcurrency: e.EVALUATE_CONCURRENCY,
    delivery: { maxAttempts: e.DELIVERY_MAX_ATTEMPTS, backoffMs: e.DELIVERY_BACKOFF_MS },
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    workerQueues: e.WORKER_QUEUES,
    jobLockMs: e.JOB_LOCK_MS,
    logLevel: e.LOG_LEVEL,
  };
}

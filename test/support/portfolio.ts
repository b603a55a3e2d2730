// A synthetic portfolio installed in a test's database, in time zones that are awake now (so
// that quiet hours hold nothing back), and its day's batch ingested like a scoring file.
import { systemClock } from '../../src/clock.js';
import { insertPayments, insertScoreHistory, upsertCustomers } from '../../src/db/portfolio.js';
import { ingestScores } from '../../src/ingest/ingest-scores.js';
import { awakeZones, generatePortfolio, type Portfolio } from '../../src/synthetic/portfolio.js';
import type { TestEngine } from './engine.js';

export async function loadAwakePortfolio(engine: TestEngine, options: { customers: number; seed: number; idPrefix: string; smsConsent?: boolean }): Promise<Portfolio> {
  const asOf = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
  const portfolio = generatePortfolio({ customers: options.customers, seed: options.seed, asOf, idPrefix: options.idPrefix });
  const zones = awakeZones(new Date());
  portfolio.customers.forEach((customer, n) => {
    customer.timezone = zones[n % zones.length]!;
    if (options.smsConsent !== undefined) customer.smsConsent = options.smsConsent;
  });
  await upsertCustomers(engine.db.pool, portfolio.customers);
  await insertPayments(engine.db.pool, portfolio.payments);
  await insertScoreHistory(engine.db.pool, portfolio.history);
  return portfolio;
}

export async function ingestBatch(engine: TestEngine, scores: Portfolio['batch']): Promise<void> {
  await ingestScores({ pool: engine.runtime.pool, queues: engine.runtime.queues, clock: systemClock }, (async function* () {
    for (const [i, s] of scores.entries()) yield { line: i, raw: { customer_id: s.customerId, risk_score: s.riskScore, score_date: s.scoreDate.toISOString() } };
  })(), { source: 'test' });
}

/** The settings that point the engine at the fake providers. */
export function fakeProviderEnv(sendgrid: { apiKey: string; url: string }, twilio?: { accountSid: string; authToken: string; url: string }): Record<string, string> {
  return {
    SENDGRID_API_KEY: sendgrid.apiKey,
    SENDGRID_FROM_EMAIL: 'care@lender.example',
    SENDGRID_API_URL: sendgrid.url,
    ...(twilio ? { TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM_NUMBER: '+15005550006', TWILIO_API_URL: twilio.url } : {}),
  };
}

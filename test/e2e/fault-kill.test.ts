// kill -9: worker processes killed mid-batch, again and again, then a new one finishes the
// batch. Every score has exactly one decision and no message is sent twice: each delivery is
// sent once or marked unknown, and the fake providers saw no duplicate.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBatch, loadAwakePortfolio, fakeProviderEnv } from '../support/portfolio.js';
import { count, startTestEngine, testEnv, waitFor, type TestEngine } from '../support/engine.js';
import { startFakeSendGrid } from '../fakes/fake-sendgrid.js';
import { startFakeTwilio } from '../fakes/fake-twilio.js';

const SCORES = 5_000;
const ROOT = path.resolve(import.meta.dirname, '../..');
let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;
let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
let env: Record<string, string>;

function startWorker(): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/worker.ts')], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: ROOT, stdio: 'ignore' });
}
const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

beforeAll(async () => {
  sendgrid = await startFakeSendGrid();
  twilio = await startFakeTwilio();
  engine = await startTestEngine({ workers: false });
  env = testEnv(engine.db, engine.config.queuePrefix, {
    LOG_LEVEL: 'warn',
    WORKER_METRICS_PORT: '0',
    JOB_LOCK_MS: '3000',
    DELIVERY_BACKOFF_MS: '200',
    PROVIDER_TIMEOUT_MS: '2000',
    ...fakeProviderEnv(sendgrid, twilio),
  });
  const portfolio = await loadAwakePortfolio(engine, { customers: SCORES, seed: 5, idPrefix: 'K' });
  await ingestBatch(engine, portfolio.batch);
});

afterAll(async () => {
  await engine?.close();
  await sendgrid?.close();
  await twilio?.close();
});

describe('SIGKILL mid-batch', () => {
  it('loses no decision and sends nothing twice when workers are killed again and again', async () => {
    // Kill on progress, not on a timer: first while scores are being decided, then while
    // deliveries are going out to the providers.
    const sends = () => sendgrid.accepted.length + twilio.accepted.length;
    let kills = 0;
    let decidedAtFirstKill = 0;
    for (; kills < 4; kills += 1) {
      const worker = startWorker();
      if (kills === 0) {
        await waitFor('the first decisions', async () => (await count(engine, 'select 1 from decisions')) > 0, 60_000, 20);
        worker.kill('SIGKILL');
        decidedAtFirstKill = await count(engine, 'select 1 from decisions');
      } else {
        const target = sends() + 150;
        await waitFor('sends under way', async () => sends() >= target, 60_000, 10);
        worker.kill('SIGKILL');
      }
      await exited(worker);
    }
    expect(decidedAtFirstKill).toBeLessThan(SCORES);
    expect(await count(engine, "select 1 from deliveries where status in ('pending', 'sending')")).toBeGreaterThan(0);

    const last = startWorker();
    try {
      await waitFor('every score decided', async () => (await count(engine, 'select 1 from decisions')) === SCORES, 120_000, 500);
      await waitFor('every delivery settled', async () => (await count(engine, "select 1 from deliveries where status in ('pending', 'sending', 'scheduled')")) === 0, 120_000, 500).catch(async (error: unknown) => {
        const stuck = await engine.db.pool.query("select channel, status, count(*)::int from deliveries where status in ('pending', 'sending', 'scheduled') group by 1, 2");
        const failed = await Promise.all(Object.values(engine.runtime.queues.deliveries).map(async (q) => (await q.getFailed(0, 3)).map((j) => `${q.name}: ${j.failedReason}`)));
        throw new Error(`${(error as Error).message}; stuck: ${JSON.stringify(stuck.rows)}; failed jobs: ${JSON.stringify(failed.flat())}`);
      });
    } finally {
      last.kill('SIGTERM');
      await exited(last);
    }

    expect(await count(engine, 'select distinct customer_id, score_date from decisions')).toBe(SCORES);
    // No duplicate at the providers: one accepted request per delivery id at most.
    const emailsPerDelivery = new Map<string, number>();
    for (const mail of sendgrid.accepted) {
      const id = mail.body.custom_args?.delivery_id ?? '';
      emailsPerDelivery.set(id, (emailsPerDelivery.get(id) ?? 0) + 1);
    }
    const smsPerDelivery = new Map<string, number>();
    for (const sms of twilio.accepted) {
      const id = new URL(sms.statusCallback ?? 'http://x/').searchParams.get('delivery_id') ?? '';
      smsPerDelivery.set(id, (smsPerDelivery.get(id) ?? 0) + 1);
    }
    const duplicates = [...emailsPerDelivery.values(), ...smsPerDelivery.values()].filter((n) => n > 1).length;
    expect(duplicates).toBe(0);

    // Every send the providers accepted is recorded as sent, or unknown when its worker died
    // between the provider's answer and our record; nothing recorded as sent was not accepted.
    const { rows } = await engine.db.pool.query<{ delivery_id: number; channel: string; status: string }>(
      "select delivery_id, channel, status from deliveries where channel in ('email', 'sms')",
    );
    const accepted = (row: { delivery_id: number; channel: string }) => (row.channel === 'email' ? emailsPerDelivery : smsPerDelivery).has(String(row.delivery_id));
    expect(rows.filter((r) => r.status === 'sent' && !accepted(r))).toEqual([]);
    expect(rows.filter((r) => accepted(r) && !['sent', 'unknown'].includes(r.status))).toEqual([]);
    const unknown = rows.filter((r) => r.status === 'unknown').length;
    console.info(`kill -9 x${kills}: ${SCORES} decisions, ${sendgrid.accepted.length + twilio.accepted.length} sends, 0 duplicates, ${unknown} unknown`);
  }, 300_000);
});

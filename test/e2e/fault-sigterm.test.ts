// SIGTERM drains: a worker with sends in flight at a slow provider finishes them and exits
// within 30 s, leaving no delivery half-sent.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestBatch, loadAwakePortfolio, fakeProviderEnv } from '../support/portfolio.js';
import { count, startTestEngine, testEnv, waitFor, type TestEngine } from '../support/engine.js';
import { startFakeSendGrid } from '../fakes/fake-sendgrid.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
let engine: TestEngine;
let sendgrid: Awaited<ReturnType<typeof startFakeSendGrid>>;

beforeAll(async () => {
  sendgrid = await startFakeSendGrid();
  engine = await startTestEngine({ workers: false });
  const portfolio = await loadAwakePortfolio(engine, { customers: 400, seed: 9, idPrefix: 'T' });
  await ingestBatch(engine, portfolio.batch);
});

afterAll(async () => {
  await engine?.close();
  await sendgrid?.close();
});

describe('SIGTERM', () => {
  it('lets a worker finish the sends it has in flight and exit within 30 s', async () => {
    // Every email takes 1.5 s to be answered: when the signal comes, sends are in flight.
    sendgrid.script({ status: 0, delayMs: 1_500 }, 10_000);
    const env = testEnv(engine.db, engine.config.queuePrefix, {
      LOG_LEVEL: 'warn',
      WORKER_METRICS_PORT: '0',
      ...fakeProviderEnv(sendgrid),
      PROVIDER_TIMEOUT_MS: '5000',
    });
    const worker = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/worker.ts')], { env: { PATH: process.env.PATH ?? '', ...env }, cwd: ROOT, stdio: 'ignore' });
    await waitFor('emails in flight', async () => (await count(engine, "select 1 from deliveries where channel = 'email' and status = 'sending'")) > 0, 60_000, 20);
    worker.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => worker.once('exit', (exitCode) => resolve(exitCode)));
    // 0 only when it closed by itself: past its 30 s grace period a process exits 1.
    expect(code).toBe(0);
    // Nothing left half-done: every claimed send got its answer recorded.
    expect(await count(engine, "select 1 from deliveries where status = 'sending'")).toBe(0);
    expect(await count(engine, "select 1 from deliveries where channel = 'email' and status = 'sent'")).toBe(sendgrid.accepted.length);
  }, 90_000);
});

// A whole engine for one test file: its own database and queue prefix, real Redis and
// Postgres, workers and (optionally) the web app on a free port.
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { DestinationStream } from 'pino';
import { systemClock, type Clock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection, detectRedisTopology } from '../../src/queues/connection.js';
import { queueKeysPattern } from '../../src/queues/names.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { startWeb, type RunningWeb } from '../../src/web/server.js';
import { startWorkers, type RunningWorkers } from '../../src/runtime/workers.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { REDIS_URL } from './env.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestEngine {
  db: TestDatabase;
  config: Config;
  runtime: Runtime;
  workers: RunningWorkers | null;
  web: RunningWeb | null;
  /** fetch against the web app with the admin token */
  api(path: string, init?: RequestInit & { json?: unknown; token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

export function testEnv(db: TestDatabase, prefix: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    SIGNING_SECRET: 'test-signing-secret-0123456789',
    ...env,
  };
}

export async function startTestEngine(
  options: { clock?: Clock; env?: Record<string, string>; workers?: boolean; web?: boolean; logTo?: DestinationStream } = {},
): Promise<TestEngine> {
  const db = await createTestDatabase();
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const config = loadConfig(testEnv(db, prefix, options.env));
  const logger = createLogger(config.logLevel, 'test', options.logTo);
  const clock = options.clock ?? systemClock;
  const runtime = await createRuntime(config, logger, clock);
  const workers = options.workers === false ? null : startWorkers(runtime, { clock, logger });
  const web = options.web ? await startWeb(runtime, { logger, clock, port: 0 }) : null;
  return {
    db,
    config,
    runtime,
    workers,
    web,
    async api(path, init = {}) {
      if (!web) throw new Error('this test engine has no web app');
      const headers = new Headers(init.headers);
      const token = init.token === undefined ? TEST_ADMIN_TOKEN : init.token;
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(`${web.url}${path}`, { ...init, headers, body });
    },
    async close() {
      await web?.close();
      await workers?.close();
      await runtime.close();
      await deleteQueueKeys(prefix, config.redisUrl);
      await db.drop();
    },
  };
}

/** Removes every Redis key of a test's queues, on a single Redis or on each master of a cluster. */
export async function deleteQueueKeys(prefix: string, redisUrl = REDIS_URL): Promise<void> {
  const connection = createRedisConnection(await detectRedisTopology(redisUrl));
  try {
    if (connection.status !== 'ready') await new Promise((resolve) => connection.once('ready', resolve));
    const nodes = connection instanceof Cluster ? connection.nodes('master') : [connection];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', queueKeysPattern(prefix), 'COUNT', 1000);
        cursor = next;
        // One key a command: the keys of two queues are in different slots.
        if (keys.length) await Promise.all(keys.map((key) => node.del(key)));
      } while (cursor !== '0');
    }
  } finally {
    connection.disconnect();
  }
}

/** Polls until `probe` returns true; fails with `what` after the timeout. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function count(engine: TestEngine, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await engine.db.pool.query<{ n: number }>(`select count(*)::int as n from (${sql}) as q`, params);
  return rows[0]?.n ?? 0;
}

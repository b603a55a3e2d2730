// Creates the database when missing and applies migrations (node-pg-migrate, plain SQL files).
// Safe to run from several processes at once: the runner waits on an advisory lock.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { createComingPartitions } from './partitions.js';
import { createLogger } from '../logger.js';
import { createPool } from './pool.js';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** CREATE DATABASE for the URL's database unless it exists. Returns true when it created one. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return false;
  const maintenance = new URL(databaseUrl);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount) return false;
    try {
      await client.query(`create database ${client.escapeIdentifier(name)}`);
    } catch (error) {
      // Another process created it between our check and our create: that is fine. PostgreSQL
      // says so with duplicate_database (42P04) or, when both creates got past its own check,
      // with a unique_violation (23505) on pg_database's name index.
      if (!['42P04', '23505'].includes((error as { code?: string }).code ?? '')) throw error;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

export interface MigrateOptions {
  log?: (message: string) => void;
  /** apply only the migrations numbered up to this one (a test of a later migration on older data) */
  upTo?: number;
}

/**
 * Applies the pending migrations, then creates the coming months' partitions (so that a fresh
 * install, or one whose scheduler was stopped, has them before its first write).
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => undefined);
  await ensureDatabase(databaseUrl);
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    advisoryLockMode: 'wait',
    singleTransaction: true,
    log,
    logger: { debug: () => undefined, info: log, warn: log, error: log },
    ...(options.upTo === undefined ? {} : { count: options.upTo, timestamp: true }),
  });
  if (options.upTo === undefined) {
    const pool = createPool(databaseUrl, 1, createLogger('warn', 'migrate', process.stderr));
    try {
      await createComingPartitions(pool, new Date(), { waitForLocks: true });
    } finally {
      await pool.end();
    }
  }
  return applied.map((migration) => migration.name);
}

// Once per test run: a migrated template database that each test file clones (fast), so every
// file gets a fresh database of its own.
import pg from 'pg';
import { migrate } from '../../src/db/migrate.js';
import { SERVER_URL, TEMPLATE_DB } from './env.js';

async function createTemplate(): Promise<void> {
  const admin = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await admin.query(`create database ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  await migrate(`${SERVER_URL}/${TEMPLATE_DB}`);
}

// The integration and e2e projects both name this setup, and vitest runs each project's global
// setups in its main process: the first one makes the template, the second finds it made.
const TEMPLATE_MADE = Symbol.for('intervention-engine.test-template-database');

export default async function setup(): Promise<void> {
  const state = globalThis as { [TEMPLATE_MADE]?: Promise<void> };
  state[TEMPLATE_MADE] ??= createTemplate();
  await state[TEMPLATE_MADE];
}

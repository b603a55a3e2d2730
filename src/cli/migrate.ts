// npm run migrate: creates the database if missing and applies pending migrations.
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { runCli } from './run-cli.js';

await runCli(async () => {
  const config = loadConfig();
  const applied = await migrate(config.databaseUrl);
  const where = new URL(config.databaseUrl);
  console.log(applied.length ? `applied ${applied.length} migration(s) to ${where.host}${where.pathname}: ${applied.join(', ')}` : `${where.host}${where.pathname} is up to date`);
});

// npm run web: the HTTP API, webhooks, dashboard and Bull Board (Procfile `web`).
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { createRuntime } from '../runtime/runtime.js';
import { describeQueueStore } from '../queues/connection.js';
import { startWeb } from '../web/server.js';
import { describeFailure } from './run-cli.js';
import { onShutdown } from './shutdown.js';

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'web');
  await migrate(config.databaseUrl);
  const runtime = await createRuntime(config, logger);
  const web = await startWeb(runtime, { logger });
  logger.info({ url: web.url }, `web listening, ${describeQueueStore(runtime.queueStore)}`);
  if (web.generatedToken) {
    // Printed once, to the operator's terminal only (never logged): set ADMIN_TOKEN to keep one.
    console.log(`ADMIN_TOKEN not set; generated for this run: ${web.adminToken}`);
  }
  onShutdown(logger, async () => {
    await web.close();
    await runtime.close();
  });
} catch (error) {
  console.error(`error: ${describeFailure(error)}`);
  process.exit(1);
}

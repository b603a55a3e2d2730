// npm run worker: every worker and the metrics scheduler (Procfile `worker`).
import { systemClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { Registry } from 'prom-client';
import { createWorkerMetrics, serveMetrics } from '../runtime/observability.js';
import { createRuntime } from '../runtime/runtime.js';
import { describeQueueStore } from '../queues/connection.js';
import { describeTransports } from '../delivery/channel-transports.js';
import { startWorkers } from '../runtime/workers.js';
import { describeFailure } from './run-cli.js';
import { onShutdown } from './shutdown.js';

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, 'worker');
  await migrate(config.databaseUrl);
  const runtime = await createRuntime(config, logger);
  // Loads (and logs) the strategies in force; evaluations reload them whenever they change.
  await runtime.strategies.current(runtime.pool);
  const registry = new Registry();
  const workers = startWorkers(runtime, { clock: systemClock, logger, metrics: createWorkerMetrics(registry) });
  const metricsServer = config.workerMetricsPort > 0 ? await serveMetrics(registry, config.workerMetricsPort, runtime) : null;
  logger.info({ queues: workers.workers.map((w) => w.name) }, `workers started, ${describeQueueStore(runtime.queueStore)}`);
  logger.info(describeTransports(runtime.config));
  onShutdown(logger, async () => {
    metricsServer?.close();
    await workers.close();
    await runtime.close();
  });
} catch (error) {
  console.error(`error: ${describeFailure(error)}`);
  process.exit(1);
}

// Starts every worker of the engine on one Redis connection per worker (BullMQ needs a
// blocking connection each). Closing waits for active jobs to finish: SIGTERM drains.
import { Worker } from 'bullmq';
import { evaluateCustomerProcessor } from '../jobs/evaluate-customer.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import { createRedisConnection } from './queues/connection.js';
import { EVALUATE_QUEUE, bullPrefix } from './queues/names.js';
import type { Runtime } from './runtime.js';

export interface RunningWorkers {
  workers: Worker[];
  close(): Promise<void>;
}

export function startWorkers(runtime: Runtime, deps: { clock: Clock; logger: Logger }): RunningWorkers {
  const { config } = runtime;
  const connection = () => createRedisConnection(config.redisUrl);
  const prefix = bullPrefix(config.queuePrefix);
  const evaluate = new Worker(
    EVALUATE_QUEUE,
    evaluateCustomerProcessor({ ...runtime, clock: deps.clock, logger: deps.logger }),
    { connection: connection(), prefix, concurrency: config.evaluateConcurrency },
  );
  const workers = [evaluate];
  for (const worker of workers) {
    worker.on('failed', (job, error) => deps.logger.warn({ queue: worker.name, job_id: job?.id, attempts: job?.attemptsMade, err: error }, 'job failed'));
    worker.on('error', (error) => deps.logger.error({ queue: worker.name, err: error }, 'worker error'));
  }
  return {
    workers,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.all(workers.map((worker) => worker.disconnect()));
    },
  };
}

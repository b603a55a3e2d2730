// Prometheus metrics (prom-client). The web process reports what Redis and Postgres know at
// scrape time (queue depths, jobs processed and failed, decisions, deliveries); each worker
// process reports what only it sees (provider latency, sends by outcome) on its own port.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { pingDatabase, type Pool } from '../db/pool.js';
import { countDecisionsByOutcome, countDeliveriesByStatus } from '../db/summary.js';
import type { DeliveryMetrics } from '../delivery/deliver.js';
import { errorMessage } from '../errors.js';
import type { QueueStore } from '../queues/connection.js';
import type { Queues } from '../queues/queues.js';

export function createWorkerMetrics(registry: Registry): DeliveryMetrics {
  collectDefaultMetrics({ register: registry });
  const providerLatency = new Histogram({
    name: 'ie_provider_request_seconds',
    help: 'Time a provider (SendGrid, Twilio) took to answer a send',
    labelNames: ['provider', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    registers: [registry],
  });
  const settled = new Counter({ name: 'ie_deliveries_settled_total', help: 'Deliveries settled by this process, by channel and status', labelNames: ['channel', 'status'], registers: [registry] });
  return {
    timeProviderCall(provider) {
      const end = providerLatency.startTimer({ provider });
      return (outcome) => end({ outcome });
    },
    countSettled: (channel, status, n) => settled.inc({ channel, status }, n),
  };
}

async function probe(check: () => Promise<unknown>): Promise<'ok' | string> {
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2_000).unref())]);
    return 'ok';
  } catch (error) {
    return errorMessage(error);
  }
}

/** Readiness: Postgres and the queue store both answer (within 2 s each). */
export async function readiness(deps: { pool: Pool; queueStore: QueueStore }): Promise<{ ready: boolean; body: Record<string, string> }> {
  const [postgres, queues] = await Promise.all([probe(() => pingDatabase(deps.pool)), probe(() => deps.queueStore.ping())]);
  const ready = postgres === 'ok' && queues === 'ok';
  // With QUEUE_BACKEND=postgres the queues live in the same database, reached through their own connections.
  const queueKey = deps.queueStore.backend === 'redis' ? 'redis' : 'queues';
  return { ready, body: { status: ready ? 'ready' : 'not ready', postgres, [queueKey]: queues } };
}

/**
 * A worker process's own port (port 0 picks a free one): /metrics, /healthz (the process
 * answers) and /readyz (it reaches Postgres and the queues), for a container's health check.
 */
export async function serveMetrics(registry: Registry, port: number, deps: { pool: Pool; queueStore: QueueStore }): Promise<Server> {
  const server = createServer((req, res) => {
    const json = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/healthz') json(200, { status: 'ok' });
    else if (req.url === '/readyz') void readiness(deps).then(({ ready, body }) => json(ready ? 200 : 503, body));
    else if (req.url === '/metrics') {
      registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
        .catch(() => res.writeHead(500).end());
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  return server;
}

export function createWebRegistry(deps: { pool: Pool; queues: Queues }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'ie_queue_jobs',
    help: 'Jobs in each queue by state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const queue of deps.queues.all()) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
        for (const [state, n] of Object.entries(counts)) this.set({ queue: queue.name, state }, n);
      }
    },
  });
  new Gauge({
    name: 'ie_queue_jobs_processed',
    help: 'Jobs processed in the last week by each queue, completed or failed (BullMQ metrics)',
    labelNames: ['queue', 'result'],
    registers: [registry],
    async collect() {
      for (const queue of deps.queues.all()) {
        for (const result of ['completed', 'failed'] as const) {
          const metrics = await queue.getMetrics(result, 0, 0);
          this.set({ queue: queue.name, result }, metrics.meta.count);
        }
      }
    },
  });
  new Gauge({
    name: 'ie_decisions',
    help: 'Decisions recorded, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const rows = await countDecisionsByOutcome(deps.pool);
      this.reset();
      for (const row of rows) this.set({ outcome: row.outcome }, row.n);
    },
  });
  new Gauge({
    name: 'ie_deliveries',
    help: 'Deliveries, by channel and status',
    labelNames: ['channel', 'status'],
    registers: [registry],
    async collect() {
      const rows = await countDeliveriesByStatus(deps.pool);
      this.reset();
      for (const row of rows) this.set({ channel: row.channel, status: row.status }, row.n);
    },
  });
  return registry;
}

// Runs the web app: builds its dependencies, listens, and stops gracefully (no new
// connections, in-flight requests finish).
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { QueueEvents } from 'bullmq';
import type { Express } from 'express';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { EVALUATE_QUEUE, bullPrefix } from '../queues/names.js';
import type { Runtime } from '../runtime/runtime.js';
import { createApp } from './app.js';

export interface RunningWeb {
  app: Express;
  server: Server;
  url: string;
  adminToken: string;
  generatedToken: boolean;
  close(): Promise<void>;
}

export async function startWeb(runtime: Runtime, deps: { logger: Logger; clock?: Clock; port?: number }): Promise<RunningWeb> {
  const adminToken = runtime.config.adminToken ?? randomBytes(24).toString('base64url');
  const evaluateEvents = new QueueEvents(EVALUATE_QUEUE, {
    connection: runtime.queueStore.connection(),
    prefix: bullPrefix(runtime.config.queuePrefix, EVALUATE_QUEUE),
  });
  evaluateEvents.on('error', (error) => deps.logger.warn({ err: error.message }, 'queue events connection error'));
  const app = createApp({ ...runtime, tokens: { admin: adminToken, viewer: runtime.config.viewerToken }, evaluateEvents, clock: deps.clock ?? systemClock, logger: deps.logger });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(deps.port ?? runtime.config.port, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : runtime.config.port;
  return {
    app,
    server,
    url: `http://localhost:${port}`,
    adminToken,
    generatedToken: runtime.config.adminToken === undefined,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await evaluateEvents.close();
    },
  };
}

// The HTTP surface: health (open), webhooks (provider signatures), everything else behind
// the admin token. Routes live one file per resource under routes/.
import express, { type Express } from 'express';
import helmet from 'helmet';
import { requireAdmin } from './auth.js';
import type { WebDeps } from './deps.js';
import { errorHandler, notFound } from './errors.js';
import { agentTaskRoutes } from './routes/agent-tasks.js';
import { customerRoutes } from './routes/customers.js';
import { bullBoard, dashboardRoutes } from './routes/dashboard.js';
import { healthRoutes } from './routes/health.js';
import { interventionRoutes } from './routes/interventions.js';
import { metricsRoutes } from './routes/metrics.js';
import { riskScoreRoutes } from './routes/risk-scores.js';
import { strategyRoutes } from './routes/strategies.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { sendGridWebhook } from './webhooks/sendgrid.js';
import { twilioWebhooks } from './webhooks/twilio.js';

export function createApp(deps: WebDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());

  app.use(healthRoutes(deps));
  // Authenticated by the providers' signatures and the signed token, not the admin token.
  app.use(sendGridWebhook(deps));
  app.use(twilioWebhooks(deps));
  app.use(unsubscribeRoutes({ ...deps, signingSecret: deps.messages.signingSecret }));

  // The browser pages accept HTTP Basic (user admin, the token as password) as well as Bearer.
  const browserAuth = requireAdmin(deps.adminToken, { allowBasic: true });
  app.use('/admin/queues', browserAuth, bullBoard(deps));
  app.use(['/dashboard', '/dashboard/*splat'], browserAuth);
  app.use(dashboardRoutes(deps));

  const admin = express.Router();
  admin.use(requireAdmin(deps.adminToken));
  admin.use(express.json({ limit: '5mb' }));
  admin.use(interventionRoutes(deps));
  admin.use(riskScoreRoutes(deps));
  admin.use(customerRoutes(deps));
  admin.use(agentTaskRoutes(deps));
  admin.use(metricsRoutes(deps));
  admin.use(strategyRoutes(deps));
  app.use(admin);

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

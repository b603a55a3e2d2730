// The HTTP surface: health (open), webhooks (provider signatures), the customer's own pages
// (signed links, the help page), and everything else behind a role (src/web/auth.ts): the admin
// token for everything, the viewer token for reading. Routes live one file per resource under
// routes/.
import express, { type Express } from 'express';
import helmet from 'helmet';
import { auditBoardActions } from './audit.js';
import { requireRole, roleOfResponse } from './auth.js';
import type { WebDeps } from './deps.js';
import { errorHandler, notFound } from './errors.js';
import { agentTaskRoutes } from './routes/agent-tasks.js';
import { auditRoutes } from './routes/audit.js';
import { customerRoutes } from './routes/customers.js';
import { bullBoard } from './routes/bull-board.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { healthRoutes } from './routes/health.js';
import { interventionRoutes } from './routes/interventions.js';
import { metricsRoutes } from './routes/metrics.js';
import { personalDataRoutes } from './routes/personal-data.js';
import { preferenceRoutes } from './routes/preferences.js';
import { publicPageRoutes } from './routes/public-pages.js';
import { riskScoreRoutes } from './routes/risk-scores.js';
import { strategyRoutes } from './routes/strategies.js';
import { timelinePageRoutes, timelineRoutes } from './routes/timeline.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { sendGridWebhook } from './webhooks/sendgrid.js';
import { twilioWebhooks } from './webhooks/twilio.js';

export function createApp(deps: WebDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());

  app.use(healthRoutes(deps));
  // Authenticated by the providers' signatures and the signed token, not by a role.
  app.use(sendGridWebhook(deps));
  app.use(twilioWebhooks(deps));
  app.use(unsubscribeRoutes({ ...deps, signingSecret: deps.messages.signingSecret }));
  app.use(publicPageRoutes(deps));

  // Browser pages ask for Basic credentials (user admin or viewer, the token as password).
  const browserAuth = requireRole(deps.tokens, { challenge: true });
  const boards = { admin: bullBoard(deps, { readOnly: false }), viewer: bullBoard(deps, { readOnly: true }) };
  app.use('/admin/queues', browserAuth, auditBoardActions(deps), (req, res, next) => boards[roleOfResponse(res)](req, res, next));
  app.use(['/dashboard', '/dashboard/*splat'], browserAuth);
  app.use(dashboardRoutes(deps));
  app.use(timelinePageRoutes(deps));

  const api = express.Router();
  api.use(requireRole(deps.tokens));
  api.use(express.json({ limit: '5mb' }));
  api.use(interventionRoutes(deps));
  api.use(riskScoreRoutes(deps));
  api.use(customerRoutes(deps));
  api.use(preferenceRoutes(deps));
  api.use(timelineRoutes(deps));
  api.use(personalDataRoutes(deps));
  api.use(auditRoutes(deps));
  api.use(agentTaskRoutes(deps));
  api.use(metricsRoutes(deps));
  api.use(strategyRoutes(deps));
  app.use(api);

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}

// The dashboard's pages and their assets. Chart.js, Luxon and Chart.js's Luxon date adapter are
// served from our own node_modules: the machines that run this have no internet.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { WebDeps } from '../deps.js';
import { dashboardDataRoutes } from './dashboard-data.js';

const DASHBOARD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dashboard');
const require = createRequire(import.meta.url);
// UMD builds for plain <script> tags; they sit beside each package's main file or in its build
// folder, outside the packages' exports maps.
const VENDOR: Record<string, string> = {
  'chart.umd.min.js': path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  'luxon.min.js': path.join(path.dirname(require.resolve('luxon/package.json')), 'build', 'global', 'luxon.min.js'),
  'chartjs-adapter-luxon.umd.min.js': path.join(path.dirname(require.resolve('chartjs-adapter-luxon')), 'chartjs-adapter-luxon.umd.min.js'),
};

const PAGES: Record<string, string> = {
  '/dashboard': 'index.html',
  '/dashboard/operations': 'operations.html',
  '/dashboard/interventions': 'interventions.html',
  '/dashboard/customer': 'customer.html',
};

export function dashboardRoutes(deps: WebDeps): Router {
  const router = Router();
  for (const [route, file] of Object.entries(PAGES)) router.get(route, (_req, res) => res.sendFile(path.join(DASHBOARD_DIR, file)));
  for (const [file, source] of Object.entries(VENDOR)) router.get(`/dashboard/assets/vendor/${file}`, (_req, res) => res.sendFile(source));
  router.use('/dashboard/assets', express.static(DASHBOARD_DIR, { index: false }));
  router.use(dashboardDataRoutes(deps));
  return router;
}

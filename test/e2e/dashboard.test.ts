// The dashboard drawn in a real browser (Debian's Chromium, driven by playwright-core; the e2e
// project's setup installs it when it is missing) over a portfolio whose figures we know.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { computeMetrics, storeSnapshot } from '../../src/db/metrics.js';
import { CHROMIUM } from '../support/chromium.js';
import { startTestEngine, TEST_ADMIN_TOKEN, type TestEngine } from '../support/engine.js';
import { loadKnownOutcomes } from '../support/known-outcomes.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;
let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine({ clock: fixedClock(NOW), web: true, workers: false });
  await loadKnownOutcomes(engine, NOW);
});

afterAll(async () => {
  await engine?.close();
});

describe('the dashboard', () => {
  it('draws every chart of the dashboard in headless Chromium', async () => {
    // A history to draw: a snapshot a day for a week.
    for (let d = 7; d >= 1; d -= 1) {
      const at = new Date(NOW.getTime() - d * DAY);
      await storeSnapshot(engine.db.pool, at, await computeMetrics(engine.db.pool, 90, new Date(at.getTime() + d * 3_600_000)));
    }
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const context = await browser.newContext({ httpCredentials: { username: 'admin', password: TEST_ADMIN_TOKEN }, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${engine.web!.url}/dashboard`);
      await page.waitForSelector('#queues-chart[data-rendered="true"]', { timeout: 15_000 });
      for (const id of ['uplift-chart', 'types-chart', 'funnel-chart', 'queues-chart']) {
        expect(await page.getAttribute(`#${id}`, 'data-rendered')).toBe('true');
      }
      expect(await page.textContent('#total')).toBe('20');
      expect(await page.textContent('#uplift')).toBe('+41.3 pts');
      expect(await page.textContent('#uplift-ci')).toBe('95% CI -5.8 pts to +88.3 pts');
      expect(errors).toEqual([]);
      const dir = path.resolve('test/artifacts');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, 'dashboard.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

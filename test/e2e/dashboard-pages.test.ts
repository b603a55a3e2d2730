// The dashboard's pages in headless Chromium, as an analyst and an operator use them, on a
// desktop (1440×900) and a phone (390×844), light and dark: no horizontal overflow, no console
// error, no serious or critical axe-core violation on any page; the figures are the API's; a
// filter changes the figures and the URL; each CSV export is the table on the page; figures
// lead to their interventions and those to their customer; the keyboard reaches everything;
// Bull Board asks nothing of any other machine. Screenshots go to test/artifacts/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'bullmq';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { RESPONSES_QUEUE, bullPrefix } from '../../src/queues/names.js';
import type { InterventionMetrics } from '../../src/db/metrics.js';
import { seedDashboardPortfolio } from '../support/dashboard-portfolio.js';
import { startTestEngine, TEST_ADMIN_TOKEN, waitFor, type TestEngine } from '../support/engine.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const ARTIFACTS = path.resolve('test/artifacts');
const AXE = readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8');
const VIEWPORTS = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } } as const;
const PAGES = ['/dashboard', '/dashboard/operations', '/dashboard/interventions?figure=sent&channel=email', '/dashboard/customer?id=D001'];

let engine: TestEngine;
let empty: TestEngine;
let browser: Browser;

/** A context per viewport and scheme, collecting console errors and any request leaving the machine. */
async function openContext(viewport: keyof typeof VIEWPORTS, colorScheme: 'light' | 'dark', base = engine.web!.url) {
  const context = await browser.newContext({
    httpCredentials: { username: 'admin', password: TEST_ADMIN_TOKEN },
    viewport: VIEWPORTS[viewport],
    colorScheme,
    // axe-core is injected as an inline script, which the pages' CSP (rightly) forbids.
    bypassCSP: true,
  });
  const errors: string[] = [];
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    if (route.request().url().startsWith(base)) return route.continue();
    outside.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return { context, page, errors, outside, base };
}

async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-loaded]', { timeout: 15_000 });
}

async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function seriousViolations(page: Page): Promise<string[]> {
  // Tables inside closed <details> are checked too; they are closed again after.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
  await page.addScriptTag({ content: AXE });
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] }> } }).axe;
    return (await axe.run()).violations;
  });
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.removeAttribute('open')));
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

/** A table as the page shows it: header labels, then each cell's raw value. */
async function pageTable(page: Page, name: string): Promise<string[][]> {
  return page.evaluate((table) => {
    const element = document.querySelector(`table[data-table="${table}"]`)!;
    if (element.classList.contains('transposed')) {
      const rows = [...element.querySelectorAll('tr')];
      return [rows.map((r) => r.querySelector('th')!.textContent!), rows.map((r) => (r.querySelector('td') as HTMLElement).dataset.value!)];
    }
    const head = [...element.querySelectorAll('thead th')].map((th) => th.textContent!);
    const body = [...element.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => (td as HTMLElement).dataset.value!));
    return [head, ...body];
  }, name);
}

async function csvOfLink(context: BrowserContext, page: Page, selector: string): Promise<string[][]> {
  const href = await page.getAttribute(selector, 'href');
  const res = await context.request.get(new URL(href!, page.url()).toString());
  expect(res.status()).toBe(200);
  return parse(await res.text()) as string[][];
}

async function api<T>(url: string): Promise<T> {
  const res = await engine.api(url);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

const text = (page: Page, selector: string) => page.textContent(selector).then((t) => t?.trim());

beforeAll(async () => {
  expect(existsSync('/usr/bin/chromium'), 'Chromium is needed: apt-get install -y chromium').toBe(true);
  [engine, empty] = await Promise.all([
    startTestEngine({ clock: fixedClock(NOW), web: true, workers: false }),
    startTestEngine({ clock: fixedClock(NOW), web: true, workers: false }),
  ]);
  await seedDashboardPortfolio(engine, NOW);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([engine?.close(), empty?.close()]);
});

// Both schemes in one context per viewport: the page redraws when the scheme changes, and one
// visit per page keeps this file's time down. axe-core runs on every page in the light scheme
// at both sizes, and in the dark one on the desktop (the phone's layout is the light one's,
// its colours the desktop's). A generous timeout: axe checks a few thousand nodes on a
// shared two-core machine.
describe.each(['desktop', 'phone'] as const)('on a %s', (viewport) => {
  it('shows every page, light and dark, without horizontal overflow, console error or serious accessibility violation', { timeout: 180_000 }, async () => {
    const { context, page, errors, outside, base } = await openContext(viewport, 'light');
    try {
      for (const url of PAGES) {
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          if (scheme === 'light') await visit(page, `${base}${url}`);
          expect(await page.getAttribute('body', 'data-loaded'), url).toBe('true');
          expect(await overflow(page), `${url} overflows`).toBeLessThanOrEqual(0);
          if (url === '/dashboard') {
            for (const id of ['forest-chart', 'trend-chart', 'volume-chart', 'funnel-chart']) expect(await page.getAttribute(`#${id}`, 'data-rendered'), id).toBe('true');
            await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${viewport}-${scheme}.png`), fullPage: true });
          }
          if (scheme === 'light' || viewport === 'desktop') expect(await seriousViolations(page), `${url} ${scheme}`).toEqual([]);
          await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
          expect(await overflow(page), `${url} overflows with its tables open`).toBeLessThanOrEqual(0);
          await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.removeAttribute('open')));
        }
      }
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('the effectiveness page', () => {
  it("shows the API's figures, and a filter changes the figures and the URL", async () => {
    const { context, page, errors, base } = await openContext('desktop', 'light');
    try {
      await visit(page, `${base}/dashboard`);
      const m = await api<InterventionMetrics>('/intervention_metrics?days=90');
      expect(await text(page, '#total')).toBe(String(m.total_interventions));
      // One decimal, and 0.0 rather than -0.0, as the page rounds.
      const points = (v: number | null) => {
        const rounded = Number((v! * 100).toFixed(1)) || 0;
        return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)} pts`;
      };
      expect(await text(page, '#uplift')).toBe(points(m.holdout_comparison.absolute_uplift));
      expect(await text(page, '#uplift-ci')).toBe(`95% CI ${points(m.holdout_comparison.ci_low)} to ${points(m.holdout_comparison.ci_high)}`);
      expect(await text(page, '#success')).toBe(`${(m.success_rate! * 100).toFixed(1)}%`);
      const [labels, values] = await pageTable(page, 'summary');
      const shown = Object.fromEntries(labels!.map((label, i) => [label, values![i]]));
      expect(shown).toMatchObject({
        'Interventions (treated)': String(m.total_interventions),
        Matured: String(m.matured_interventions),
        'No default in 30 days': String(m.prevented_defaults),
        'Holdout interventions': String(m.holdout_interventions),
        'Uplift vs holdout': String(m.holdout_comparison.absolute_uplift),
        'Uplift 95% CI low': String(m.holdout_comparison.ci_low),
        'Scores decided': String(m.decisions.evaluated),
      });
      // The forest plot draws a row for every group with an uplift: the types, then the strategies.
      const forest = await page.evaluate(() => (window as unknown as { Chart: { getChart(id: string): { data: { labels: string[] } } } }).Chart.getChart('forest-chart').data.labels);
      expect(forest).toEqual([
        'All interventions',
        ...m.by_intervention_type.filter((t) => t.holdout_comparison.absolute_uplift !== null).map((t) => t.intervention_type.replaceAll('_', ' ')),
        ...m.by_strategy.filter((s) => s.uplift_vs_holdout.value !== null).map((s) => `strategy: ${s.strategy}${s.champion ? ' (champion)' : ''}`),
      ]);
      expect(forest.filter((label) => label.startsWith('strategy: '))).toHaveLength(2);

      await page.selectOption('select[name="type"]', 'flexible_payment');
      await page.selectOption('select[name="channel"]', 'sms');
      await Promise.all([page.waitForURL(/type=flexible_payment/), page.click('button[type="submit"]')]);
      await page.waitForSelector('body[data-loaded]');
      expect(new URL(page.url()).searchParams.get('channel')).toBe('sms');
      const filtered = await api<InterventionMetrics>('/intervention_metrics?days=90&type=flexible_payment&channel=sms');
      expect(filtered.total_interventions).not.toBe(m.total_interventions);
      expect(await text(page, '#total')).toBe(String(filtered.total_interventions));
      expect(await text(page, '#uplift')).toBe(points(filtered.holdout_comparison.absolute_uplift));
      expect(await page.inputValue('select[name="type"]')).toBe('flexible_payment');
      expect(await text(page, '#trend-notes')).toContain('the channel filter does not apply to the trend');

      // Each CSV export is the table on the page, under the page's filter.
      for (const name of ['summary', 'uplift', 'funnel', 'trend']) {
        expect(await csvOfLink(context, page, `a[data-csv="${name}"]`), name).toEqual(await pageTable(page, name));
      }
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('leads from a figure to its interventions, and from an intervention to its customer', async () => {
    const { context, page, errors, base } = await openContext('desktop', 'light');
    try {
      await visit(page, `${base}/dashboard`);
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
      const sent = page.locator('table[data-table="funnel"] tbody tr', { hasText: 'sent (incl. bounced)' }).filter({ hasText: 'email' }).locator('a');
      const figure = await sent.textContent();
      await Promise.all([page.waitForURL(/\/dashboard\/interventions\?.*figure=sent/), sent.click()]);
      await page.waitForSelector('body[data-loaded]');
      expect(await text(page, '#figure-title')).toBe('Funnel, email: sent');
      const rows = await pageTable(page, 'interventions');
      expect(rows.length - 1).toBe(Number(figure));
      expect(await csvOfLink(context, page, '#csv')).toEqual(rows);
      const customer = page.locator('table[data-table="interventions"] tbody tr').first().locator('td[data-key="customer_id"] a');
      const id = await customer.textContent();
      await Promise.all([page.waitForURL(/\/dashboard\/customer\?id=/), customer.click()]);
      await page.waitForSelector('body[data-loaded]');
      // The customer page is their timeline (SPEC 13), which holds the intervention.
      expect(await text(page, '#result-title')).toBe(`Events of customer ${id}`);
      expect(await page.inputValue('input[name="id"]')).toBe(id);
      expect(await page.locator('#entries .kind', { hasText: /^Intervention$/ }).count()).toBe(1);
      await page.screenshot({ path: path.join(ARTIFACTS, 'customer-desktop-light.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('is reachable with the keyboard, with a visible focus on everything it reaches', async () => {
    const { context, page, base } = await openContext('desktop', 'light');
    try {
      await visit(page, `${base}/dashboard`);
      // Tab through the whole page, to where focus leaves it.
      const reached: { what: string; outline: string }[] = [];
      for (let i = 0; i < 80; i += 1) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const element = document.activeElement as HTMLElement;
          if (element === document.body) return null;
          const style = getComputedStyle(element);
          return { what: `${element.tagName.toLowerCase()} ${element.getAttribute('name') ?? element.textContent?.trim().slice(0, 30) ?? ''}`, outline: `${style.outlineStyle} ${style.outlineWidth}` };
        });
        if (!focused) break;
        reached.push(focused);
      }
      expect(reached[0]!.what).toBe('a Skip to content');
      const names = reached.map((r) => r.what);
      for (const expected of ['a Operations', 'input from', 'select type', 'select strategy', 'button Apply', 'button Pause auto-refresh', 'summary Table: uplift per group', 'a 27']) {
        expect(names, expected).toContain(expected);
      }
      for (const r of reached) expect(r.outline, r.what).toBe('solid 3px');
      // Pausing the auto-refresh from the keyboard says so.
      await page.focus('#refresh-toggle');
      await page.keyboard.press('Enter');
      expect(await page.getAttribute('#refresh-toggle', 'aria-pressed')).toBe('true');
      expect(await text(page, '#refresh-toggle')).toBe('Resume auto-refresh');
    } finally {
      await context.close();
    }
  });

  it('resizes its charts with the window, from 1440 to 720 px and to 360 px', async () => {
    const { context, page, base } = await openContext('desktop', 'light');
    try {
      await visit(page, `${base}/dashboard`);
      for (const width of [720, 360]) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForFunction((w) => [...document.querySelectorAll('canvas')].every((c) => c.getBoundingClientRect().width <= w), width);
        expect(await overflow(page), `at ${width} px`).toBeLessThanOrEqual(0);
        const widths = await page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => [c.getBoundingClientRect().width, c.closest('figure')!.getBoundingClientRect().width]));
        for (const [canvas, figure] of widths) expect(canvas).toBeLessThan(figure!);
      }
    } finally {
      await context.close();
    }
  });

  it('says at the top when it cannot load, instead of "Loading…"', async () => {
    const { context, page, errors, base } = await openContext('phone', 'light');
    try {
      await page.route('**/dashboard/data', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":"internal error"}' }));
      await visit(page, `${base}/dashboard`);
      expect(await page.getAttribute('body', 'data-loaded')).toBe('error');
      expect(await page.getAttribute('#status', 'role')).toBe('alert');
      expect(await text(page, '#status')).toBe('Could not load the metrics: internal error');
      expect(await page.evaluate(() => document.querySelector('main')!.firstElementChild!.id)).toBe('status');
      expect(await page.textContent('body')).not.toContain('Loading…');
      // The browser reports the failed request itself; nothing else may fail.
      expect(errors.filter((e) => !e.includes('status of 500'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('tells an empty install how to load scores, with no bare axes', async () => {
    const { context, page, errors, base } = await openContext('desktop', 'light', empty.web!.url);
    try {
      await visit(page, `${base}/dashboard`);
      expect(await text(page, '#status')).toMatch(/^No scores yet: run npm run enqueue -- scores\.csv .*npm run demo/);
      for (const id of ['forest-chart', 'trend-chart', 'volume-chart', 'funnel-chart']) {
        expect(await page.getAttribute(`#${id}`, 'data-rendered'), id).toBe('empty');
        expect(await page.isVisible(`#${id}`), id).toBe(false);
      }
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-empty-desktop-light.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('the operations page and Bull Board', () => {
  it('draws failed jobs in red, with the last error, beside the waiting ones and the oldest of them', async () => {
    // Jobs waiting on the evaluate queue (no worker runs here), and one that failed for good.
    const { evaluate, responses } = engine.runtime.queues;
    await evaluate.addBulk([{ name: 'evaluate', data: { scores: [] } }, { name: 'evaluate', data: { scores: [] } }]);
    const worker = new Worker(responses.name, async () => Promise.reject(new Error('the database said no')), {
      connection: engine.runtime.queueStore.connection(),
      prefix: bullPrefix(engine.config.queuePrefix, RESPONSES_QUEUE),
    });
    try {
      await responses.add('sweep', {}, { attempts: 1 });
      await waitFor('the job to fail', async () => (await responses.getJobCountByTypes('failed')) === 1);
    } finally {
      await worker.close();
    }
    const { context, page, errors, base } = await openContext('desktop', 'light');
    try {
      await visit(page, `${base}/dashboard/operations`);
      const colours = await page.evaluate(() => {
        const chart = (window as unknown as { Chart: { getChart(id: string): { data: { datasets: { label: string; backgroundColor: string }[] } } } }).Chart.getChart('queues-chart');
        return Object.fromEntries(chart.data.datasets.map((d) => [d.label, d.backgroundColor]));
      });
      expect(colours).toEqual({ waiting: '#2563eb', active: '#0f766e', delayed: '#b45309', failed: '#dc2626' });
      expect(await text(page, '#waiting')).toBe('2');
      expect(await text(page, '#failed')).toBe('1');
      expect(await text(page, '#failures')).toContain(`${responses.name}: 1 failed`);
      expect(await text(page, '#failures')).toContain('the database said no');
      expect(await page.getAttribute('#failures a', 'href')).toBe(`/admin/queues/queue/${responses.name}?status=failed`);
      expect(await text(page, '#oldest-queue')).toBe(`in ${evaluate.name}`);
      // The view is live: the CSV, read a moment later, differs only in the oldest job's age
      // and the throughput, which move with the clock.
      const moving = ['Oldest waiting job', 'Completed per minute (last 5 min)', 'Failed per minute (last 5 min)'];
      const steady = (table: string[][]) => table.map((row) => row.filter((_, i) => !moving.includes(table[0]![i]!)));
      expect(steady(await csvOfLink(context, page, 'a[data-csv="queues"]'))).toEqual(steady(await pageTable(page, 'queues')));
      await page.screenshot({ path: path.join(ARTIFACTS, 'operations-desktop-light.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('loads Bull Board with nothing requested from outside the machine and no console error', async () => {
    const { context, page, errors, outside, base } = await openContext('desktop', 'light');
    try {
      const fonts: string[] = [];
      page.on('request', (request) => {
        if (request.resourceType() === 'font') fonts.push(new URL(request.url()).pathname);
      });
      await page.goto(`${base}/admin/queues`);
      await page.getByText('evaluate-customer').first().waitFor({ timeout: 15_000 });
      await page.evaluate(() => document.fonts.ready);
      expect(outside).toEqual([]);
      expect(fonts.length).toBeGreaterThan(0);
      for (const font of fonts) expect(font).toMatch(/^\/admin\/queues\/fonts\/ibm-plex-(sans|mono)\/files\/.*\.woff2$/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'bull-board-desktop-light.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

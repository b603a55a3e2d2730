// The pages people open, in headless Chromium, used with the keyboard alone (Tab, Space, Enter)
// and checked by axe-core (no serious or critical violation): the preference centre in English
// and Spanish, the help page, and the dashboard's customer timeline on a 390 px phone screen.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { insertScoreHistory, upsertCustomers } from '../../src/db/portfolio.js';
import { signUnsubscribeToken } from '../../src/domain/unsubscribe-token.js';
import { launchChromium, openPage, seriousViolations, tabTo } from '../support/browser.js';
import { count, startTestEngine, TEST_ADMIN_TOKEN, type TestEngine } from '../support/engine.js';
import { scoreAndSettle } from '../support/scoring.js';

const VIEWER_TOKEN = 'test-viewer-token-0123456789abcdef';
const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
const ARTIFACTS = path.resolve('test/artifacts');
// A test here opens a browser context and injects axe-core (500 kB of script) on each page it
// checks: a few seconds each on a loaded two-core machine (measured: 5-7 s for a context, 4 s for
// the first injection at a load average of 30), so these tests get twice the usual minute.
const BROWSER_TEST_MS = 120_000;
let engine: TestEngine;
let browser: Browser;

const WORDS = {
  en: { heading: 'How we keep in touch with you', save: /^button\|\|Save my choices$/, saved: 'Your choices are saved', unsubscribe: /^button\|\|Unsubscribe from emails$/, unsubscribed: 'You are unsubscribed from our emails', other: 'es', otherButton: /^button\|locale\|Español$/ },
  es: { heading: 'Cómo nos ponemos en contacto con usted', save: /^button\|\|Guardar mis preferencias$/, saved: 'Hemos guardado sus preferencias', unsubscribe: /^button\|\|Darme de baja de los correos$/, unsubscribed: 'Se ha dado de baja de nuestros correos', other: 'en', otherButton: /^button\|locale\|English$/ },
} as const;

/** Presses Enter on what has the focus and waits for the page it submits to. */
async function submitWithEnter(page: Page): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

beforeAll(async () => {
  engine = await startTestEngine({ clock, web: true, env: { HOLDOUT_PERCENT: '0', VIEWER_TOKEN, SUPPORT_PHONE: '+34 900 000 000' } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
});

describe('the preference centre, keyboard only', () => {
  it.each(['en', 'es'] as const)('in %s: turns SMS off, changes the language and unsubscribes, with no serious accessibility violation', async (locale) => {
    const id = `BP-${locale}`;
    const words = WORDS[locale];
    await upsertCustomers(engine.db.pool, [{ customerId: id, fullName: 'Bea Prieto', email: `${id}@example.com`, phone: '+34611000501', timezone: 'Europe/Madrid', locale, smsConsent: true }]);
    const { page, errors } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    await page.goto(`${engine.web!.url}/unsubscribe/${signUnsubscribeToken(id, engine.runtime.messages.signingSecret)}`);
    expect(await page.getAttribute('html', 'lang')).toBe(locale);
    expect(await page.textContent('h1')).toBe(words.heading);
    expect(await seriousViolations(page)).toEqual([]);

    await tabTo(page, /^input\|sms\|$/);
    await page.keyboard.press('Space');
    expect(await page.isChecked('input[name="sms"]')).toBe(false);
    await tabTo(page, words.save);
    await submitWithEnter(page);
    expect(await page.textContent('[role="status"]')).toContain(words.saved);
    expect(await count(engine, "select 1 from suppressions where customer_id = $1 and channel = 'sms' and reason = 'preference'", [id])).toBe(1);

    await tabTo(page, words.otherButton);
    await submitWithEnter(page);
    expect(await page.getAttribute('html', 'lang')).toBe(words.other);

    const back = WORDS[words.other];
    await tabTo(page, back.unsubscribe);
    await submitWithEnter(page);
    expect(await page.textContent('[role="status"]')).toContain(back.unsubscribed);
    expect(await page.$('input[name="email"]')).toBeNull();
    // The page in its other state: notices, an opted-out channel explained instead of offered.
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, `preferences-${locale}-unsubscribed.png`);
    expect(errors).toEqual([]);
  }, BROWSER_TEST_MS);
});

describe('the help page', () => {
  it.each(['en', 'es'])('in %s: no serious accessibility violation, and its links are reached with Tab', async (lang) => {
    const { page, errors } = await openPage(browser, { viewport: { width: 390, height: 844 } });
    await page.goto(`${engine.web!.url}/help?lang=${lang}`);
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    expect(await seriousViolations(page)).toEqual([]);
    await tabTo(page, /^a\|\|\+34 900 000 000$/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, `help-${lang}.png`);
    expect(errors).toEqual([]);
  }, BROWSER_TEST_MS);
});

describe("the dashboard's customer timeline", () => {
  beforeAll(async () => {
    await upsertCustomers(engine.db.pool, [{ customerId: 'BT1', fullName: 'Bruno Tapia', email: 'bt1@example.com', phone: '+34611000502', timezone: 'Europe/Madrid', locale: 'es', smsConsent: true }]);
    // Four months of daily scores: more than one page.
    const day = clock.now().getTime() - 3 * 86_400_000;
    await insertScoreHistory(engine.db.pool, Array.from({ length: 120 }, (_, i) => ({ customerId: 'BT1', riskScore: 0.3, scoreDate: new Date(day - i * 86_400_000) })));
    await scoreAndSettle(engine, clock, ['BT1']);
  });

  it('searches a customer and pages through the timeline with the keyboard, on a 390 px screen, as the viewer', async () => {
    const { page, errors } = await openPage(browser, { viewport: { width: 390, height: 844 }, httpCredentials: { username: 'viewer', password: VIEWER_TOKEN } });
    await page.goto(`${engine.web!.url}/dashboard/customer`);
    expect(await seriousViolations(page)).toEqual([]);
    await tabTo(page, /^input\|id\|$/);
    await page.keyboard.type('BT1');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#entries li');
    expect(await page.$$eval('#entries li', (items) => items.length)).toBe(100);
    expect(await page.textContent('#status')).toBe('100 events shown, older ones available.');
    expect(new URL(page.url()).search).toBe('?id=BT1');
    expect(await page.textContent('#entries li:first-child')).toMatch(/Opt-out|Provider event|Delivery|Intervention|Decision|Score/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'customer-timeline-390.png');

    await tabTo(page, /^button\|older\|Show older events$/, 400);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#entries li').length > 100);
    const total = await page.$$eval('#entries li', (items) => items.length);
    expect(total).toBe(await count(engine, "select 1 from risk_scores where customer_id = 'BT1'") + 1 + 1 + 3); // scores, the decision, the intervention, three deliveries
    expect(await page.isHidden('#older')).toBe(true);
    // The keyboard stays where the new events start, not lost with the button.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('LI');

    await page.goto(`${engine.web!.url}/dashboard/customer`);
    await tabTo(page, /^input\|id\|$/);
    await page.keyboard.type('NOBODY');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/^no customer NOBODY/);
    expect(errors).toEqual([]);
  }, BROWSER_TEST_MS);

  it('opens straight on a customer from a link (/dashboard/customer?id=…)', async () => {
    const { page } = await openPage(browser, { httpCredentials: { username: 'admin', password: TEST_ADMIN_TOKEN } });
    await page.goto(`${engine.web!.url}/dashboard/customer?id=BT1`);
    await page.waitForSelector('#entries li');
    expect(await page.inputValue('#customer-id')).toBe('BT1');
  }, BROWSER_TEST_MS);
});

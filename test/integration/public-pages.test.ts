// What a customer opens without logging in: the help page every message links to, in their
// language, and the site's icon. Nothing customer-facing asks for credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine({ web: true, workers: false, env: { SUPPORT_PHONE: '+1 800 555 0199', SENDGRID_FROM_NAME: 'Aurora Lending' } });
});

afterAll(async () => {
  await engine?.close();
});

const page = async (path: string, headers: Record<string, string> = {}) => {
  const res = await engine.api(path, { token: null, headers });
  return { status: res.status, type: res.headers.get('content-type'), language: res.headers.get('content-language'), html: await res.text() };
};

describe('the help page', () => {
  it('answers without credentials, in English by default, with how to reach a person and what the offers mean', async () => {
    const help = await page('/help');
    expect(help).toMatchObject({ status: 200, language: 'en' });
    expect(help.type).toMatch(/^text\/html/);
    expect(help.html).toContain('<html lang="en">');
    expect(help.html).toContain('+1 800 555 0199');
    expect(help.html).toContain('Aurora Lending');
    expect(help.html).toContain('Payment holiday');
    expect(help.html).toContain('<main id="content">');
  });

  it.each([
    ['?lang=es', {}, 'es'],
    ['?lang=es-MX', {}, 'es'],
    ['', { 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' }, 'es'],
    ['', { 'accept-language': 'fr-FR,fr;q=0.9' }, 'en'],
    ['?lang=en', { 'accept-language': 'es' }, 'en'],
    ['?lang=xx', { 'accept-language': 'es' }, 'es'],
  ])('picks the language from %s %j: %s', async (query, headers, expected) => {
    const help = await page(`/help${query}`, headers);
    expect(help.status).toBe(200);
    expect(help.language).toBe(expected);
    expect(help.html).toContain(expected === 'es' ? 'Estamos aquí para ayudarle' : "We're here to help");
  });

  it('serves the icon without credentials', async () => {
    const res = await engine.api('/favicon.ico', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  });
});

// `npm run preview` shows a person every message a sample customer would get, and a bad argument
// gets one line on stderr and exit code 2, never a stack trace. The command's logic runs here in
// process; test/integration/preview-cli.test.ts runs the real command once.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.js';
import { previewMessages } from '../../src/cli/preview-messages.js';
import { runCli } from '../../src/cli/run-cli.js';

function preview(args: string[]): string {
  const printed: string[] = [];
  previewMessages(args, (text) => printed.push(text));
  return printed.map((text) => `${text}\n`).join('');
}

describe('npm run preview', () => {
  it('prints the email, SMS, app notification and call script of a type for a Spanish sample customer', () => {
    const stdout = preview(['--type', 'payment_assistance', '--locale', 'es']);
    expect(stdout).toContain('payment_assistance');
    expect(stdout).toContain('Subject: María, estamos aquí para ayudarle con su próximo pago');
    expect(stdout).toMatch(/List-Unsubscribe: <https:\/\/.+\/unsubscribe\/u1\..+>/);
    expect(stdout).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(stdout).toContain('182,40\u00a0€');
    expect(stdout).toContain('3 de diciembre de 2026');
    expect(stdout).toContain('Responda STOP para darse de baja');
    expect(stdout).toContain('######## payment_assistance · es (templates: es; María José Fernández)');
    expect(stdout).toMatch(/--- sms \(UCS-2, 2 segments\)\nAurora Finance: María, .*Responda STOP para darse de baja\n\(es\/payment_assistance\/sms\.short\.hbs, \d+ characters\)/);
    expect(stdout).toMatch(/--- sms, other wording: es\/payment_assistance\/sms\.hbs \(UCS-2, [3-9] segments, \d+ characters; not sent to this customer\)/);
    expect(stdout).toContain('--- app notification');
    expect(stdout).toContain('--- call script');
    expect(stdout).toContain('Pausa en los pagos');
    expect(stdout).not.toMatch(/\{\{|undefined|NaN/);
  });

  it('prints every type when no type is given, and one channel with --channel', () => {
    const all = preview([]);
    for (const type of ['payment_assistance', 'flexible_payment', 'payment_reminder', 'financial_wellness']) expect(all).toContain(`######## ${type} · en`);
    const sms = preview(['--type', 'flexible_payment', '--channel', 'sms']);
    expect(sms).toContain('--- sms (');
    expect(sms).not.toMatch(/--- email|--- app notification|--- call script/);
  });

  it('writes the rendered files with --out, and words a customer without a payment without one', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'preview-'));
    try {
      const stdout = preview(['--type', 'flexible_payment', '--no-payment', '--out', out]);
      expect(stdout).not.toContain('$249.90');
      const html = path.join(out, 'en', 'flexible_payment', 'email.html');
      expect(stdout).toContain(`wrote ${html}`);
      expect(existsSync(html)).toBe(true);
      expect(readFileSync(html, 'utf8')).toContain('<html lang="en">');
      expect(readFileSync(path.join(out, 'en', 'flexible_payment', 'sms.txt'), 'utf8')).toContain('Reply STOP to opt out');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it.each([
    [['--type', 'payment_holiday'], /^--type must be one of payment_assistance, flexible_payment, payment_reminder, financial_wellness \(got 'payment_holiday'\)$/],
    [['--locale', 'fr'], /^--locale must be one of en, es or a regional tag such as es-MX \(got 'fr'\)$/],
    [['--colour'], /^Unknown option '--colour'; usage: npm run preview -- /],
    [['--name', ' '], /^--name must not be empty$/],
  ])('refuses %j with an InputError of one line', (args, message) => {
    let thrown: unknown;
    try {
      preview(args);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as InputError).message).toMatch(message);
    expect((thrown as InputError).message).not.toContain('\n');
  });
});

describe('a command ending with an InputError', () => {
  const exitCode = process.exitCode;
  afterEach(() => {
    process.exitCode = exitCode;
    vi.restoreAllMocks();
  });

  it('prints one line on stderr and sets exit code 2', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await runCli(async () => {
      throw new InputError("--type must be one of a, b (got 'c')");
    });
    expect(process.exitCode).toBe(2);
    expect(stderr.mock.calls).toEqual([["error: --type must be one of a, b (got 'c')"]]);
  });
});

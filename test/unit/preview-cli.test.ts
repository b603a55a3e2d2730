// `npm run preview` shows a person every message a sample customer would get, and a bad argument
// gets one line on stderr and exit code 2, never a stack trace.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
// The tsx that `npm run preview` uses, without npm's own notices on stderr.
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function preview(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli/preview.ts', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('npm run preview', () => {
  it('prints the email, SMS, app notification and call script of a type for a Spanish sample customer', async () => {
    const { code, stdout, stderr } = await preview(['--type', 'payment_assistance', '--locale', 'es']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
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
  }, 30_000);

  it('writes the rendered files with --out, and words a customer without a payment without one', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'preview-'));
    try {
      const { code, stdout } = await preview(['--type', 'flexible_payment', '--no-payment', '--out', out]);
      expect(code).toBe(0);
      expect(stdout).not.toContain('$249.90');
      const html = path.join(out, 'en', 'flexible_payment', 'email.html');
      expect(existsSync(html)).toBe(true);
      expect(readFileSync(html, 'utf8')).toContain('<html lang="en">');
      expect(readFileSync(path.join(out, 'en', 'flexible_payment', 'sms.txt'), 'utf8')).toContain('Reply STOP to opt out');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 30_000);

  it.each([
    [['--type', 'payment_holiday'], /^error: --type must be one of payment_assistance, flexible_payment, payment_reminder, financial_wellness \(got 'payment_holiday'\)$/],
    [['--locale', 'fr'], /^error: --locale must be one of en, es or a regional tag such as es-MX \(got 'fr'\)$/],
    [['--colour'], /^error: Unknown option '--colour'; usage: npm run preview -- /],
  ])('answers %j with one line on stderr and exit code 2', async (args, message) => {
    const { code, stdout, stderr } = await preview(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(message);
  }, 30_000);
});

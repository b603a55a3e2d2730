// npm run preview, as a person reading the templates runs it.
import { describe, expect, it } from 'vitest';
import { runCommand } from '../support/cli.js';

describe('npm run preview', () => {
  it('prints every channel of a type in Spanish for the sample customer', async () => {
    const result = await runCommand('src/cli/preview.ts', ['--type', 'payment_assistance', '--locale', 'es'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('######## payment_assistance · es');
    expect(result.stdout).toMatch(/Subject: María, estamos aquí para ayudarle/);
    expect(result.stdout).toMatch(/--- sms \((GSM-7|UCS-2), [12] segments?\)\n.*Responda STOP/);
    expect(result.stdout).toContain('182,40');
    expect(result.stdout).toContain('--- call script');
  });

  it('refuses an unknown type in one line with exit code 2', async () => {
    const result = await runCommand('src/cli/preview.ts', ['--type', 'nope'], {});
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("error: --type must be one of payment_assistance, flexible_payment, payment_reminder, financial_wellness (got 'nope')");
  });
});

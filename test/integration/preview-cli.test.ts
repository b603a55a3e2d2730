// npm run preview as a real process, once: the command runs, finds its templates and prints.
// Its arguments and output are tested in process (test/unit/preview-messages.test.ts).
import { describe, expect, it } from 'vitest';
import { runCommand } from '../support/cli.js';

describe('npm run preview', () => {
  it('prints every channel of a type in Spanish for the sample customer', async () => {
    const result = await runCommand('src/cli/preview.ts', ['--type', 'payment_assistance', '--locale', 'es'], {});
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('######## payment_assistance · es');
    expect(result.stdout).toMatch(/Subject: María, estamos aquí para ayudarle/);
    expect(result.stdout).toMatch(/--- sms \((GSM-7|UCS-2), [12] segments?\)\n.*Responda STOP/);
    expect(result.stdout).toContain('182,40');
    expect(result.stdout).toContain('--- call script');
  });
});

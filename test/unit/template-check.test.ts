// The templates are checked when a worker starts (startWorkers → loadAllTemplates): a missing or
// broken file stops start-up with the file's name, instead of failing the first batch.
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEMPLATES_DIR, checkTemplates } from '../../src/messages/render.js';

let copy: string;
const copyTemplates = () => {
  copy = mkdtempSync(path.join(tmpdir(), 'ie-templates-'));
  cpSync(TEMPLATES_DIR, copy, { recursive: true });
  return copy;
};
afterEach(() => rmSync(copy, { recursive: true, force: true }));

describe('template check at start-up', () => {
  it('passes the templates that ship', () => {
    expect(checkTemplates(copyTemplates())).toEqual(['en', 'es']);
  });

  it('names a missing template file', () => {
    unlinkSync(path.join(copyTemplates(), 'es', 'flexible_payment', 'sms.short.hbs'));
    expect(() => checkTemplates(copy)).toThrow('template es/flexible_payment/sms.short.hbs is missing');
  });

  it('names a template whose Handlebars does not parse', () => {
    writeFileSync(path.join(copyTemplates(), 'en', 'payment_reminder', 'email.subject.hbs'), 'Hello {{#if name}}');
    expect(() => checkTemplates(copy)).toThrow(/^template en\/payment_reminder\/email\.subject\.hbs: /);
  });

  it('names a call script with a field it does not know', () => {
    writeFileSync(path.join(copyTemplates(), 'en', 'payment_assistance', 'phone.yaml'), 'opening: Hi\npoints: [a]\nrecord: [b]\nclosing: bye\n');
    expect(() => checkTemplates(copy)).toThrow(/^template en\/payment_assistance\/phone\.yaml: /);
  });
});

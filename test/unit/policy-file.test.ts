// The policy file operators edit: the shipped copy is the built-in default, and a bad file
// stops start-up with one line naming the file and the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';
import { ConfigError } from '../../src/errors.js';
import { loadPolicy } from '../../src/policy-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ie-policy-'));
const write = (name: string, content: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};

describe('loadPolicy', () => {
  it('ships policies/default.yaml equal to the built-in default', () => {
    expect(loadPolicy('policies/default.yaml')).toEqual(DEFAULT_POLICY);
  });

  it('reads JSON as well as YAML, and applies HOLDOUT_PERCENT over the file', () => {
    const file = write('p.json', JSON.stringify({ ...DEFAULT_POLICY, version: 'json-1' }));
    expect(loadPolicy(file, { holdoutPercent: 12.5 })).toMatchObject({ version: 'json-1', holdout: { percent: 12.5 } });
    expect(loadPolicy(undefined, { holdoutPercent: 0 }).holdout.percent).toBe(0);
  });

  it.each([
    ['a tier score above 1', (p: typeof DEFAULT_POLICY) => ({ ...p, tiers: p.tiers.map((t, i) => (i === 1 ? { ...t, minScore: 1.5 } : t)) }), 'tiers.1.minScore: must be between 0 and 1'],
    ['tiers out of order', (p: typeof DEFAULT_POLICY) => ({ ...p, tiers: [...p.tiers].reverse() }), 'tiers.1.minScore: tiers must be ordered from the highest minScore down'],
    ['an unknown channel', (p: typeof DEFAULT_POLICY) => ({ ...p, quietHours: { ...p.quietHours, channels: ['fax'] } }), 'quietHours.channels.0:'],
    ['an unknown field', (p: typeof DEFAULT_POLICY) => ({ ...p, coolOff: 3 }), 'unknown field coolOff'],
    ['a bad time', (p: typeof DEFAULT_POLICY) => ({ ...p, quietHours: { ...p.quietHours, start: '8am' } }), "quietHours.start: must be a time such as '08:00'"],
  ])('refuses %s in one line naming the field', (_what, change, message) => {
    const file = write('bad.yaml', stringify(change(DEFAULT_POLICY)));
    expect(() => loadPolicy(file)).toThrow(ConfigError);
    expect(() => loadPolicy(file)).toThrow(`POLICY_FILE ${file}: ${message}`);
  });

  it.each([
    ['a missing file', '/nonexistent/policy.yaml', 'POLICY_FILE /nonexistent/policy.yaml: cannot read (ENOENT)'],
    ['broken YAML', () => write('broken.yaml', 'tiers: [\n'), 'not valid YAML'],
    ['a .txt file', () => write('p.txt', '{}'), 'must be a .json, .yaml or .yml file'],
  ])('refuses %s', (_what, file, message) => {
    const target = typeof file === 'function' ? file() : file;
    expect(() => loadPolicy(target)).toThrow(message);
  });
});

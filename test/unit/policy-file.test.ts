// The policy file operators edit: the shipped copy is the built-in default, JSON and YAML both
// work, and a bad file stops start-up with one line naming the file and the field.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_POLICY, type Policy } from '../../src/domain/policy.js';
import { ConfigError } from '../../src/errors.js';
import { loadPolicy } from '../../src/evaluation/policy-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ie-policy-'));
let files = 0;
const write = (extension: string, content: string) => {
  files += 1;
  const file = path.join(dir, `policy-${files}${extension}`);
  writeFileSync(file, content);
  return file;
};
const makeDirectory = (name: string) => {
  const directory = path.join(dir, name);
  mkdirSync(directory);
  return directory;
};
const copy = (): Policy => structuredClone(DEFAULT_POLICY);
const withTier = (i: number, change: Record<string, unknown>) => (p: Policy) => ({ ...p, tiers: p.tiers.map((t, j) => (i === j ? { ...t, ...change } : t)) });

/** The ConfigError loadPolicy throws for `file`. */
const refusal = (file: string) => {
  try {
    loadPolicy(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${file} to be refused`);
};

describe('the shipped policies/default.yaml', () => {
  it('parses and deep-equals the built-in DEFAULT_POLICY', () => {
    expect(loadPolicy('policies/default.yaml')).toEqual(DEFAULT_POLICY);
    expect(loadPolicy(path.resolve('policies/default.yaml'))).toEqual(DEFAULT_POLICY);
  });

  it('can be edited: a changed copy loads with the change', () => {
    const file = write('.yaml', stringify({ ...copy(), version: 'team-2027-01', cooloffDays: 14 }));
    expect(loadPolicy(file)).toMatchObject({ version: 'team-2027-01', cooloffDays: 14, tiers: DEFAULT_POLICY.tiers });
  });
});

describe('loadPolicy', () => {
  it('uses the built-in default when no file is named', () => {
    expect(loadPolicy(undefined)).toBe(DEFAULT_POLICY);
  });

  it.each(['.json', '.yaml', '.yml', '.YAML'])('reads a %s file', (extension) => {
    const policy = { ...copy(), version: `from${extension}` };
    const file = write(extension, extension === '.json' ? JSON.stringify(policy) : stringify(policy));
    expect(loadPolicy(file)).toEqual(policy);
  });

  it('applies HOLDOUT_PERCENT over the file and over the default, leaving the default itself alone', () => {
    const file = write('.json', JSON.stringify({ ...copy(), version: 'json-1' }));
    expect(loadPolicy(file, { holdoutPercent: 12.5 })).toMatchObject({ version: 'json-1', holdout: { percent: 12.5, salt: DEFAULT_POLICY.holdout.salt } });
    expect(loadPolicy(undefined, { holdoutPercent: 0 })).toMatchObject({ version: DEFAULT_POLICY.version, holdout: { percent: 0 } });
    expect(loadPolicy(undefined, { holdoutPercent: undefined }).holdout.percent).toBe(5);
    expect(DEFAULT_POLICY.holdout.percent).toBe(5);
  });

  it('refuses a HOLDOUT_PERCENT outside 0..100', () => {
    expect(() => loadPolicy(undefined, { holdoutPercent: 101 })).toThrow(new ConfigError('HOLDOUT_PERCENT 101: must be between 0 and 100'));
    expect(() => loadPolicy(undefined, { holdoutPercent: Number.NaN })).toThrow(ConfigError);
  });

  it('fills in responseWindowDays (7) for a file written before it existed', () => {
    const { responseWindowDays: _omitted, ...older } = copy();
    expect(loadPolicy(write('.yaml', stringify(older))).responseWindowDays).toBe(7);
  });
});

describe('a bad policy file stops start-up with one line naming the file and the field', () => {
  it.each<[string, (p: Policy) => unknown, string]>([
    ['a tier score above 1', withTier(1, { minScore: 1.5 }), 'tiers.1.minScore: must be between 0 and 1'],
    ['a tier score given as text', withTier(0, { minScore: 'high' }), 'tiers.0.minScore: Invalid input: expected number, received string'],
    ['tiers out of order', (p) => ({ ...p, tiers: [...p.tiers].reverse() }), 'tiers.1.minScore: tiers must be ordered from the highest minScore down'],
    ['an unknown channel', (p) => ({ ...p, quietHours: { ...p.quietHours, channels: ['fax'] } }), 'quietHours.channels.0: Invalid option'],
    ['an unknown offer', withTier(2, { offers: ['free_money'] }), 'tiers.2.offers.0: Invalid option'],
    ['a misspelt field', (p) => ({ ...p, coolOff: 3 }), 'unknown field coolOff'],
    ['a misspelt field inside a tier', withTier(0, { minscore: 0.8 }), 'tiers.0: unknown field minscore'],
    ['a missing field', ({ cooloffDays: _c, ...rest }) => rest, 'cooloffDays: is required'],
    ['a missing tier field', withTier(3, { urgency: undefined }), 'tiers.3.urgency: is required'],
    ['a bad time', (p) => ({ ...p, quietHours: { ...p.quietHours, start: '8am' } }), "quietHours.start: must be a time such as '08:00'"],
    ['a requiresTrend that can never match', withTier(2, { requiresTrend: ['stable_low'] }), 'tiers.2.requiresTrend.0: must be increasing or stable_high'],
    ['no tiers at all', (p) => ({ ...p, tiers: [] }), 'tiers: must list at least one tier'],
  ])('%s', (_what, change, message) => {
    const file = write('.yaml', stringify(change(copy())));
    const line = refusal(file);
    expect(line.startsWith(`POLICY_FILE ${file}: ${message}`)).toBe(true);
    expect(line).not.toContain('\n');
  });

  it('says how many more problems there are after the first', () => {
    const file = write('.json', JSON.stringify({ ...copy(), cooloffDays: -1, recentDefaultDays: -1, holdout: { percent: 500, salt: '' } }));
    expect(refusal(file)).toBe(`POLICY_FILE ${file}: cooloffDays: must not be negative (and 3 more problems)`);
  });

  it.each<[string, () => string, string]>([
    ['a missing file', () => path.join(dir, 'absent.yaml'), 'cannot read (ENOENT)'],
    ['a directory', () => mkdtempSync(path.join(dir, 'd-')).concat('/'), 'must be a .json, .yaml or .yml file'],
    ['a directory named like a policy', () => makeDirectory('folder.yaml'), 'cannot read (EISDIR)'],
    ['broken YAML', () => write('.yaml', 'tiers: [\n  - a\n'), 'not valid YAML: Block collections are not allowed within flow collections at line 2, column 3'],
    ['YAML with a field twice', () => write('.yaml', 'version: a\nversion: b\n'), 'not valid YAML: Map keys must be unique at line 2, column 1'],
    ['broken JSON', () => write('.json', '{"version": '), 'not valid JSON: '],
    ['an empty file', () => write('.yaml', ''), 'is empty: expected a complete policy (copy policies/default.yaml)'],
    ['a YAML list instead of a policy', () => write('.yaml', '- 1\n- 2\n'), 'Invalid input: expected object, received array'],
    ['a .txt file', () => write('.txt', '{}'), 'must be a .json, .yaml or .yml file'],
  ])('refuses %s', (_what, makeFile, message) => {
    const file = makeFile();
    const line = refusal(file);
    expect(line).toContain(`POLICY_FILE ${file}: ${message}`);
    expect(line).not.toContain('\n');
  });
});

// The policy file operators edit: the shipped copy is the built-in default, JSON and YAML both
// work, and a bad file stops start-up with one line naming the file and the field.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_POLICY, withHoldoutPercent, type Policy } from '../../src/domain/policy.js';
import { ConfigError } from '../../src/errors.js';
import { loadPolicyFile } from '../../src/strategies/policy-file.js';

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

/** A plain policy file's one policy: the champion's. */
const loadPolicy = (file: string | undefined) => {
  const { strategies } = loadPolicyFile(file);
  expect(strategies).toHaveLength(1);
  expect(strategies[0]).toMatchObject({ name: 'default', weight: 100, champion: true });
  return strategies[0]!.policy;
};

/** The ConfigError loadPolicyFile throws for `file`. */
const refusal = (file: string) => {
  try {
    loadPolicyFile(file);
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
    expect(loadPolicyFile(undefined)).toMatchObject({ source: 'the built-in default policy', salt: 'strategy-assignment-v1' });
  });

  it.each(['.json', '.yaml', '.yml', '.YAML'])('reads a %s file', (extension) => {
    const policy = { ...copy(), version: `from${extension}` };
    const file = write(extension, extension === '.json' ? JSON.stringify(policy) : stringify(policy));
    expect(loadPolicy(file)).toEqual(policy);
  });

  it('applies HOLDOUT_PERCENT over a policy, leaving the built-in default itself alone', () => {
    const file = write('.json', JSON.stringify({ ...copy(), version: 'json-1' }));
    expect(withHoldoutPercent(loadPolicy(file), 12.5)).toMatchObject({ version: 'json-1', holdout: { percent: 12.5, salt: DEFAULT_POLICY.holdout.salt } });
    expect(withHoldoutPercent(DEFAULT_POLICY, 0)).toMatchObject({ version: DEFAULT_POLICY.version, holdout: { percent: 0 } });
    expect(withHoldoutPercent(DEFAULT_POLICY, undefined)).toBe(DEFAULT_POLICY);
    expect(DEFAULT_POLICY.holdout.percent).toBe(5);
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

describe('the shipped policies/champion-challenger.yaml', () => {
  it('holds the default policy as the champion and a challenger that differs in its flexible-payment tier alone', () => {
    const { salt, strategies } = loadPolicyFile('policies/champion-challenger.yaml');
    expect(salt).toBe('strategy-assignment-v1');
    expect(strategies.map((s) => [s.name, s.weight, s.champion])).toEqual([['default', 80, true], ['sms_first', 20, false]]);
    expect(strategies[0]!.policy).toEqual(DEFAULT_POLICY);
    const challenger = strategies[1]!.policy;
    expect({ ...challenger, version: DEFAULT_POLICY.version, tiers: DEFAULT_POLICY.tiers }).toEqual(DEFAULT_POLICY);
    expect(challenger.tiers.filter((t, i) => !isDeepStrictEqual(t, DEFAULT_POLICY.tiers[i]))).toEqual([
      { ...DEFAULT_POLICY.tiers[1], minScore: 0.55, channels: ['sms', 'email', 'app_notification'] },
    ]);
  });
});

describe('a policy file with strategies', () => {
  const challenger = (): Policy => ({ ...copy(), version: 'sms-first-1', tiers: copy().tiers.map((t) => (t.type === 'flexible_payment' ? { ...t, minScore: 0.55, channels: ['sms', 'email', 'app_notification'] } : t)) });
  const file = (over: Record<string, unknown> = {}, strategies: unknown[] = [
    { name: 'default', weight: 80, champion: true, policy: copy() },
    { name: 'sms_first', weight: 20, policy: challenger() },
  ]) => write('.yaml', stringify({ salt: 'experiment-2027', strategies, ...over }));

  it('reads every strategy with its weight, the champion and the salt', () => {
    const loaded = loadPolicyFile(file());
    expect(loaded.salt).toBe('experiment-2027');
    expect(loaded.strategies).toEqual([
      { name: 'default', weight: 80, champion: true, policy: DEFAULT_POLICY },
      { name: 'sms_first', weight: 20, champion: false, policy: challenger() },
    ]);
  });

  it('uses the default salt when the file names none', () => {
    const path = write('.json', JSON.stringify({ strategies: [{ name: 'only', weight: 1, champion: true, policy: copy() }] }));
    expect(loadPolicyFile(path)).toMatchObject({ salt: 'strategy-assignment-v1', strategies: [{ name: 'only', weight: 1, champion: true }] });
  });

  const withPolicy = (change: (p: Policy) => unknown) => [
    { name: 'default', weight: 80, champion: true, policy: copy() },
    { name: 'sms_first', weight: 20, policy: change(challenger()) },
  ];
  it.each<[string, () => string, string]>([
    ['a bad field deep in a strategy\'s policy', () => file({}, withPolicy(withTier(1, { minScore: 1.5 }))), 'strategies.1.policy.tiers.1.minScore: must be between 0 and 1'],
    ['an unknown field in a strategy', () => file({}, [{ name: 'default', wieght: 80, weight: 80, champion: true, policy: copy() }]), 'strategies.0: unknown field wieght'],
    ['an unknown field beside the strategies', () => file({ sallt: 'x' }), 'unknown field sallt'],
    ['a strategy without a policy', () => file({}, [{ name: 'default', weight: 80, champion: true }]), 'strategies.0.policy: is required'],
    ['a weight of zero', () => file({}, [{ name: 'default', weight: 0, champion: true, policy: copy() }]), 'strategies.0.weight: must be positive'],
    ['a negative weight', () => file({}, [{ name: 'default', weight: 80, champion: true, policy: copy() }, { name: 'b', weight: -5, policy: challenger() }]), 'strategies.1.weight: must be positive'],
    ['a name that cannot be a URL segment', () => file({}, [{ name: 'sms first', weight: 1, champion: true, policy: copy() }]), 'strategies.0.name: must be 1-64 letters, digits, dashes or underscores'],
    ['no champion', () => file({}, [{ name: 'a', weight: 1, policy: copy() }, { name: 'b', weight: 1, policy: challenger() }]), 'strategies.0.champion: no strategy is the champion: mark exactly one with champion: true'],
    ['two champions', () => file({}, [{ name: 'a', weight: 1, champion: true, policy: copy() }, { name: 'b', weight: 1, champion: true, policy: challenger() }]), 'strategies.1.champion: only one strategy may be the champion, and a is'],
    ['a name twice', () => file({}, [{ name: 'a', weight: 1, champion: true, policy: copy() }, { name: 'a', weight: 1, policy: challenger() }]), 'strategies.1.name: a is already the name of strategy 0'],
    ['a holdout of its own', () => file({}, withPolicy((p) => ({ ...p, holdout: { percent: 10, salt: p.holdout.salt } }))), 'strategies.1.policy.holdout: must be the same in every strategy, because the holdout is chosen before the strategy (default has percent 5, salt intervention-holdout-v1)'],
    ['a response window of its own', () => file({}, withPolicy((p) => ({ ...p, responseWindowDays: 3 }))), 'strategies.1.policy.responseWindowDays: must be the same in every strategy'],
    ['one version for two different policies', () => file({}, withPolicy((p) => ({ ...p, version: DEFAULT_POLICY.version }))), `strategies.1.policy.version: ${DEFAULT_POLICY.version} is already the version of default's policy, which differs`],
    ['an empty list', () => file({}, []), 'strategies: must list at least one strategy'],
    ['an empty salt', () => file({ salt: ' ' }), 'salt: must not be empty'],
  ])('refuses %s, naming the field', (_what, makeFile, message) => {
    const path = makeFile();
    const line = refusal(path);
    expect(line.startsWith(`POLICY_FILE ${path}: ${message}`), line).toBe(true);
    expect(line).not.toContain('\n');
  });

  it('takes one policy under one version in two strategies (an A/A test)', () => {
    const path = file({}, [{ name: 'a', weight: 1, champion: true, policy: copy() }, { name: 'b', weight: 1, policy: copy() }]);
    expect(loadPolicyFile(path).strategies.map((s) => s.name)).toEqual(['a', 'b']);
  });
});

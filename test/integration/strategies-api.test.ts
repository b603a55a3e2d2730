// The strategies API over real HTTP: read, put, promote and retire, each change audited in its
// own transaction; a bad body is a 400 naming the field and changes nothing; the policy file
// seeds an empty table once, whoever starts first.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { DEFAULT_POLICY, type Policy } from '../../src/domain/policy.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { seedStrategies } from '../../src/strategies/change-strategies.js';
import { loadPolicyFile } from '../../src/strategies/policy-file.js';
import { count, startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;

/** Starts (and closes) another process's runtime on the same database; returns its warnings. */
async function startAndLog(over: Partial<Config>): Promise<{ warnings: string[] }> {
  const warnings: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as { level: number; msg: string };
      if (line.level === 40) warnings.push(line.msg);
      done();
    },
  });
  const runtime = await createRuntime({ ...engine.config, ...over }, createLogger('warn', 'test', stream));
  await runtime.close();
  return { warnings };
}

const challenger = (over: Partial<Policy> = {}): Policy => ({
  ...structuredClone(DEFAULT_POLICY),
  version: 'sms-first-1',
  tiers: DEFAULT_POLICY.tiers.map((t) => (t.type === 'flexible_payment' ? { ...t, minScore: 0.55, channels: ['sms', 'email', 'app_notification'] } : t)),
  ...over,
});

interface StrategyDocument { name: string; weight: number; champion: boolean; policy: Policy }
interface Listing { salt: string; revision: number; strategies: { name: string; weight: number; share_percent: number; champion: boolean; policy_version: string; since: string }[] }

const put = (name: string, json: unknown) => engine.api(`/strategies/${name}`, { method: 'PUT', json });
const listing = async () => (await (await engine.api('/strategies')).json()) as Listing;
const audit = async () =>
  (await engine.db.pool.query<{ actor: string; action: string; subject: string; details: Record<string, unknown> }>('select actor, action, subject, details from audit_log order by audit_id')).rows;

beforeAll(async () => {
  engine = await startTestEngine({ web: true, workers: false });
});

afterAll(async () => {
  await engine?.close();
});

describe('seeding from the policy file', () => {
  it('stores the built-in default as the champion at weight 100 on a fresh database, audited as the system', async () => {
    expect(await listing()).toMatchObject({
      salt: 'strategy-assignment-v1',
      strategies: [{ name: 'default', weight: 100, share_percent: 100, champion: true, policy_version: DEFAULT_POLICY.version }],
    });
    const doc = (await (await engine.api('/strategies/default')).json()) as StrategyDocument;
    expect(doc).toEqual({ name: 'default', weight: 100, champion: true, policy: DEFAULT_POLICY });
    expect(await audit()).toMatchObject([{ actor: 'system', action: 'strategy.seed', subject: 'default', details: { source: 'the built-in default policy', weight: 100 } }]);
  });

  it('seeds only an empty table: a later start leaves the stored strategies alone, and says so when the file differs', async () => {
    const same = await startAndLog({});
    expect(same.warnings).toEqual([]);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ie-seed-')), 'policy.yaml');
    writeFileSync(file, stringify({ ...DEFAULT_POLICY, version: 'edited-later' }));
    const edited = await startAndLog({ policyFile: file });
    expect(edited.warnings).toEqual(['the strategies stored in the database are in force; POLICY_FILE differs from them and is only read to seed an empty strategies table']);
    expect(await count(engine, "select 1 from audit_log where action = 'strategy.seed'")).toBe(1);
    expect((await listing()).strategies).toMatchObject([{ name: 'default', policy_version: DEFAULT_POLICY.version }]);
  });

  it('seeds once when two processes find the table empty at the same moment', async () => {
    await engine.db.pool.query('delete from strategies');
    const file = loadPolicyFile(undefined);
    const seeded = await Promise.all([seedStrategies(engine.db.pool, file, new Date()), seedStrategies(engine.db.pool, file, new Date())]);
    expect(seeded.sort()).toEqual([false, true]);
    expect(await count(engine, 'select 1 from strategies')).toBe(1);
    expect(await count(engine, "select 1 from audit_log where action = 'strategy.seed'")).toBe(2);
  });
});

describe('PUT /strategies/:name', () => {
  it('creates a challenger (201), ignoring a champion flag, and GET answers the same document', async () => {
    const res = await put('sms_first', { name: 'sms_first', weight: 25, champion: true, policy: challenger() });
    expect(res.status).toBe(201);
    const expected = { name: 'sms_first', weight: 25, champion: false, policy: challenger() };
    expect(await res.json()).toEqual(expected);
    expect(await (await engine.api('/strategies/sms_first')).json()).toEqual(expected);
    expect((await listing()).strategies).toMatchObject([
      { name: 'default', weight: 100, share_percent: 80, champion: true },
      { name: 'sms_first', weight: 25, share_percent: 20, champion: false, policy_version: 'sms-first-1' },
    ]);
    expect((await audit()).at(-1)).toMatchObject({ actor: 'admin', action: 'strategy.put', subject: 'sms_first', details: { created: true, weight: 25, policy_version: 'sms-first-1', previous: null } });
  });

  it('replaces a strategy (200) and keeps its role: the champion stays the champion', async () => {
    const res = await put('sms_first', { weight: 50, policy: challenger() });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ weight: 50, champion: false });
    const champion = await put('default', { weight: 150, champion: false, policy: DEFAULT_POLICY });
    expect(champion.status).toBe(200);
    expect(await champion.json()).toMatchObject({ name: 'default', weight: 150, champion: true });
    expect((await audit()).at(-1)).toMatchObject({ action: 'strategy.put', subject: 'default', details: { created: false, weight: 150, previous: { weight: 100 } } });
  });

  it.each<[string, () => unknown, string]>([
    ['a bad field deep in the policy', () => ({ weight: 10, policy: { ...challenger(), tiers: challenger().tiers.map((t, i) => (i === 1 ? { ...t, minScore: 1.5 } : t)) } }), 'policy.tiers.1.minScore: must be between 0 and 1'],
    ['an unknown field', () => ({ weight: 10, wieght: 10, policy: challenger() }), 'unknown field wieght'],
    ['an unknown field in the policy', () => ({ weight: 10, policy: { ...challenger(), coolOff: 3 } }), 'policy: unknown field coolOff'],
    ['no policy', () => ({ weight: 10 }), 'policy: is required'],
    ['a missing policy field', () => ({ weight: 10, policy: { ...challenger(), cooloffDays: undefined } }), 'policy.cooloffDays: is required'],
    ['a weight of zero', () => ({ weight: 0, policy: challenger() }), 'weight: must be positive'],
    ['a weight given as text', () => ({ weight: '10', policy: challenger() }), 'weight: Invalid input: expected number, received string'],
    ['another name in the body', () => ({ name: 'other', weight: 10, policy: challenger() }), 'name: must be the name in the path (bad_one) or left out'],
    ['a holdout of its own', () => ({ weight: 10, policy: challenger({ holdout: { percent: 20, salt: 'x' } }) }), 'policy.holdout: must be the same in every strategy, because the holdout is chosen before the strategy (default has percent 5, salt intervention-holdout-v1)'],
    ['a response window of its own', () => ({ weight: 10, policy: challenger({ responseWindowDays: 2 }) }), 'policy.responseWindowDays: must be the same in every strategy'],
    ['another policy under the champion\'s version', () => ({ weight: 10, policy: challenger({ version: DEFAULT_POLICY.version }) }), `policy.version: ${DEFAULT_POLICY.version} is already the version of default's policy, which differs`],
    ['an array', () => [], 'Invalid input: expected object, received array'],
  ])('refuses %s with a 400 naming the field, and changes nothing', async (_what, body, message) => {
    const before = { revision: (await listing()).revision, audit: (await audit()).length };
    const res = await put('bad_one', body());
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: string }).error;
    expect(error.startsWith(message), error).toBe(true);
    expect({ revision: (await listing()).revision, audit: (await audit()).length }).toEqual(before);
    expect((await engine.api('/strategies/bad_one')).status).toBe(404);
  });

  it('refuses a changed policy under the version it replaces', async () => {
    const res = await put('sms_first', { weight: 50, policy: challenger({ cooloffDays: 3 }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'policy.version: sms-first-1 is the version of the policy sms_first has now, which differs: a changed policy needs a new version' });
  });

  it('refuses a body that is not JSON and a name that cannot be one', async () => {
    const res = await engine.api('/strategies/x', { method: 'PUT', body: '{"weight":', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'request body is not valid JSON' });
    const badName = await put('sms%20first', { weight: 1, policy: challenger() });
    expect(badName.status).toBe(400);
    expect(((await badName.json()) as { error: string }).error).toMatch(/^strategy name must be 1-64 letters, digits, dashes or underscores/);
  });
});

describe('POST /strategies/:name/promote and DELETE /strategies/:name', () => {
  it('promotes a challenger: it becomes the champion and the former champion a challenger with its weight', async () => {
    const res = await engine.api('/strategies/sms_first/promote', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'sms_first', champion: true });
    expect((await listing()).strategies).toMatchObject([
      { name: 'sms_first', weight: 50, champion: true },
      { name: 'default', weight: 150, champion: false },
    ]);
    expect((await audit()).at(-1)).toMatchObject({ action: 'strategy.promote', subject: 'sms_first', details: { previous_champion: 'default' } });
    // Promoting the champion again changes nothing, and records nothing.
    const auditRows = (await audit()).length;
    expect((await engine.api('/strategies/sms_first/promote', { method: 'POST' })).status).toBe(200);
    expect((await audit()).length).toBe(auditRows);
  });

  it('cannot retire the champion (409)', async () => {
    const res = await engine.api('/strategies/sms_first', { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: 'sms_first is the champion and cannot be retired: promote another strategy first' });
  });

  it('retires a challenger: gone from the list, its policy kept in the audit log', async () => {
    const res = await engine.api('/strategies/default', { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ retired: { name: 'default', weight: 150, champion: false } });
    expect((await listing()).strategies.map((s) => s.name)).toEqual(['sms_first']);
    expect((await engine.api('/strategies/default')).status).toBe(404);
    expect((await audit()).at(-1)).toMatchObject({ action: 'strategy.retire', subject: 'default', details: { weight: 150, policy: { version: DEFAULT_POLICY.version } } });
  });

  it('answers 404 for a strategy that does not exist', async () => {
    for (const [method, path] of [['GET', '/strategies/nobody'], ['POST', '/strategies/nobody/promote'], ['DELETE', '/strategies/nobody']] as const) {
      const res = await engine.api(path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toEqual({ error: 'no strategy named nobody' });
    }
  });

  it('needs the admin token', async () => {
    expect((await engine.api('/strategies', { token: null })).status).toBe(401);
    expect((await engine.api('/strategies/sms_first', { method: 'DELETE', token: 'wrong-token-0123456789' })).status).toBe(401);
  });
});

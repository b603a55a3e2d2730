// Loads the decision policy from a JSON or YAML file (POLICY_FILE), validated in full; a bad
// file stops start-up with one line naming the file and the field.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY, policySchema, type Policy } from './domain/policy.js';
import { ConfigError } from './errors.js';

export function loadPolicy(path: string | undefined, overrides: { holdoutPercent?: number | undefined } = {}): Policy {
  const policy = path === undefined ? DEFAULT_POLICY : readPolicyFile(path);
  if (overrides.holdoutPercent === undefined) return policy;
  return { ...policy, holdout: { ...policy.holdout, percent: overrides.holdoutPercent } };
}

function readPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`POLICY_FILE ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let raw: unknown;
  try {
    if (/\.json$/i.test(path)) raw = JSON.parse(text);
    else if (/\.ya?ml$/i.test(path)) raw = parseYaml(text);
    else throw new ConfigError(`POLICY_FILE ${path}: must be a .json, .yaml or .yml file`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`POLICY_FILE ${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    const message = issue?.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid');
    throw new ConfigError(`POLICY_FILE ${path}: ${where}${message}`);
  }
  return parsed.data;
}

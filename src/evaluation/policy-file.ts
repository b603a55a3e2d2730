// Loads the decision policy from a JSON or YAML file (POLICY_FILE), validated in full; a bad
// file stops start-up with one line naming the file and the field.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { DEFAULT_POLICY, policySchema, type Policy } from '../domain/policy.js';
import { ConfigError, errorMessage } from '../errors.js';

export interface PolicyOverrides {
  /** HOLDOUT_PERCENT, applied over the file's (or the default's) holdout.percent */
  holdoutPercent?: number | undefined;
}

/**
 * The policy in force: the file at `path` (.json, .yaml or .yml, relative to the working
 * directory), or the built-in DEFAULT_POLICY when there is none, with the overrides applied.
 * The file must be a complete policy (see policySchema); throws ConfigError otherwise.
 */
export function loadPolicy(path: string | undefined, overrides: PolicyOverrides = {}): Policy {
  const policy = path === undefined ? DEFAULT_POLICY : readPolicyFile(path);
  const percent = overrides.holdoutPercent;
  if (percent === undefined) return policy;
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new ConfigError(`HOLDOUT_PERCENT ${percent}: must be between 0 and 100`);
  }
  return { ...policy, holdout: { ...policy.holdout, percent } };
}

function readPolicyFile(path: string): Policy {
  const fail = (message: string) => new ConfigError(`POLICY_FILE ${path}: ${oneLine(message)}`);
  const format = /\.json$/i.test(path) ? 'JSON' : /\.ya?ml$/i.test(path) ? 'YAML' : null;
  if (!format) throw fail('must be a .json, .yaml or .yml file');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fail(`cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = format === 'JSON' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw fail(`not valid ${format}: ${errorMessage(error)}`);
  }
  if (raw === null || raw === undefined) throw fail('is empty: expected a complete policy (copy policies/default.yaml)');
  // A missing field reads better as "is required" than as zod's "expected number, received undefined".
  const parsed = policySchema.safeParse(raw, { error: (issue) => (issue.input === undefined ? 'is required' : undefined) });
  if (!parsed.success) throw fail(describeIssues(parsed.error.issues));
  return parsed.data;
}

/** The first problem with its field path, and how many more there are. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const [first, ...rest] = issues;
  if (!first) return 'invalid policy';
  const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  const what = first.code === 'unrecognized_keys' ? `unknown field ${first.keys.join(', ')}` : first.message;
  const more = rest.length === 0 ? '' : ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})`;
  return `${where}${what}${more}`;
}

/** YAML errors carry a code frame after their first line; one line is what start-up prints. */
const oneLine = (text: string) => (text.split('\n')[0] ?? '').trim().replace(/:$/, '');

// Loads the strategies from a JSON or YAML file (POLICY_FILE), validated in full; a bad file
// stops start-up with one line naming the file and the field. The file holds one policy (the
// champion, at weight 100) or `strategies:`, a list of named, weighted policies, with the salt
// that assigns customers to them.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_POLICY, policySchema } from '../domain/policy.js';
import {
  DEFAULT_ASSIGNMENT_SALT,
  DEFAULT_STRATEGY_NAME,
  DEFAULT_STRATEGY_WEIGHT,
  strategySchema,
  strategySetIssues,
  type Strategy,
} from '../domain/strategies.js';
import { ConfigError, errorMessage, missingFieldIsRequired } from '../errors.js';

export interface PolicyFile {
  /** the file's path, or 'the built-in default policy' */
  source: string;
  /** the experiment's assignment salt */
  salt: string;
  strategies: Strategy[];
}

const strategiesFileSchema = z
  .strictObject({
    // Changing the salt reshuffles every customer among the strategies (not the holdout).
    salt: z.string().trim().min(1, 'must not be empty').default(DEFAULT_ASSIGNMENT_SALT),
    strategies: z.array(strategySchema).min(1, 'must list at least one strategy'),
  })
  .superRefine((file, ctx) => {
    for (const issue of strategySetIssues(file.strategies)) {
      ctx.addIssue({ code: 'custom', path: ['strategies', issue.index, ...issue.path], message: issue.message });
    }
  });

const plainPolicy = (source: string, policy: Strategy['policy']): PolicyFile => ({
  source,
  salt: DEFAULT_ASSIGNMENT_SALT,
  strategies: [{ name: DEFAULT_STRATEGY_NAME, weight: DEFAULT_STRATEGY_WEIGHT, champion: true, policy }],
});

/**
 * The strategies the file at `path` (.json, .yaml or .yml, relative to the working directory)
 * states, or the built-in DEFAULT_POLICY as the one champion when there is no file. Throws
 * ConfigError naming the file and the first bad field.
 */
export function loadPolicyFile(path: string | undefined): PolicyFile {
  if (path === undefined) return plainPolicy('the built-in default policy', DEFAULT_POLICY);
  const raw = readDocument(path);
  const fail = (message: string) => new ConfigError(`POLICY_FILE ${path}: ${message}`);
  if (typeof raw === 'object' && raw !== null && 'strategies' in raw) {
    const parsed = strategiesFileSchema.safeParse(raw, missingFieldIsRequired);
    if (!parsed.success) throw fail(describeIssues(parsed.error.issues));
    return { source: path, ...parsed.data };
  }
  const parsed = policySchema.safeParse(raw, missingFieldIsRequired);
  if (!parsed.success) throw fail(describeIssues(parsed.error.issues));
  return plainPolicy(path, parsed.data);
}

function readDocument(path: string): unknown {
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
  return raw;
}

/** The first problem with its field path, and how many more there are. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const [first, ...rest] = issues;
  if (!first) return 'invalid policy';
  const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  const what = first.code === 'unrecognized_keys' ? `unknown field ${first.keys.join(', ')}` : oneLine(first.message);
  const more = rest.length === 0 ? '' : ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})`;
  return `${where}${what}${more}`;
}

/** YAML errors carry a code frame after their first line; one line is what start-up prints. */
const oneLine = (text: string) => (text.split('\n')[0] ?? '').trim().replace(/:$/, '');

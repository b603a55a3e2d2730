// The README's configuration table, generated from the declaration of every variable in
// src/config.ts: `npm run readme:config` rewrites it, and a unit test fails while they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ENVIRONMENT } from '../src/config.js';

export const README = path.resolve(import.meta.dirname, '../README.md');
const BEGIN = '<!-- the configuration table is generated from src/config.ts: npm run readme:config -->';
const END = '<!-- end of the configuration table -->';

interface Documented {
  description?: string;
  unset?: string;
  default?: unknown;
}

/** The variables as JSON Schema (zod's own conversion, from the input side): description, default, `unset`. */
export function documentedVariables(): Record<string, Documented> {
  return (z.toJSONSchema(ENVIRONMENT, { io: 'input' }) as { properties: Record<string, Documented> }).properties;
}

export function configurationTable(): string {
  const rows = Object.entries(documentedVariables()).map(([name, variable]) => {
    const fallback = variable.default === undefined ? variable.unset : `\`${String(variable.default)}\``;
    return `| \`${name}\` | ${fallback} | ${variable.description} |`;
  });
  return [BEGIN, '| variable | default | what it is for |', '|---|---|---|', ...rows, END].join('\n');
}

/** The configuration table as it stands in the README. */
export function readmeTable(readme: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  return begin === -1 || end === -1 ? '' : readme.slice(begin, end + END.length);
}

if (process.argv[1] === import.meta.filename) {
  const readme = readFileSync(README, 'utf8');
  const current = readmeTable(readme);
  if (!current) throw new Error(`README.md has no configuration table between "${BEGIN}" and "${END}"`);
  writeFileSync(README, readme.replace(current, configurationTable()));
}

// Every variable is documented where it is declared, and the README's configuration table is
// that documentation, word for word.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationTable, documentedVariables, README, readmeTable } from '../../scripts/readme-config.js';

describe('the configuration table', () => {
  it('documents every variable: what it is for, and its default or what happens unset', () => {
    const variables = Object.entries(documentedVariables());
    expect(variables.length).toBeGreaterThan(30);
    for (const [name, variable] of variables) {
      expect(variable.description, name).toMatch(/\S/);
      expect(variable.default !== undefined || /\S/.test(variable.unset ?? ''), `${name} has a default or says what happens unset`).toBe(true);
    }
  });

  it('stands in the README as generated (npm run readme:config rewrites it)', () => {
    expect(readmeTable(readFileSync(README, 'utf8'))).toBe(configurationTable());
  });
});

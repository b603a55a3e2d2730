// docker-compose.yml cannot be run on our machines (no Docker daemon, no image registry), so it
// is checked here: valid against the Compose Specification's JSON schema (the compose-spec
// project's schema/compose-spec.json, as the dclint package ships it), and running the
// Procfile's processes. That web and worker apply the migrations themselves when they start,
// so that compose needs no release step, is shown by test/e2e/start-on-empty-database.test.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS } from '../../bench/support.js';
import { ENVIRONMENT } from '../../src/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json'), 'utf8')) as { $schema: string };
// The schema names its draft-07 meta-schema by its https address (ajv knows it by the http one).
// strictTypes is ajv's own advice on how a schema is written (union types, "type" beside
// "additionalProperties"); the compose-spec schema is plain JSON Schema without those habits.
const ajv = new Ajv({ allErrors: true, strictTypes: false }).addMetaSchema({ ...(require('ajv/dist/refs/json-schema-draft-07.json') as object), $id: schema.$schema });
const validate = ajv.compile(schema);

interface Service {
  build?: unknown;
  environment?: Record<string, string>;
  command?: string | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
}
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const procfile = Object.fromEntries(
  readFileSync(path.join(ROOT, 'Procfile'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()]),
);
const commandOf = (service: Service | undefined) => (Array.isArray(service?.command) ? service.command.join(' ') : service?.command);
const errorsOf = (document: unknown) => (validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`));

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification', () => {
    expect(errorsOf(compose)).toEqual([]);
  });

  it('would be refused with a misspelt key or a wrong type (the schema is really applied)', () => {
    const web = compose.services.web!;
    expect(errorsOf({ services: { web: { ...web, comand: web.command } } })).toContain('/services/web must NOT have additional properties');
    expect(errorsOf({ services: { web: { ...web, ports: 3000 } } })).toContain('/services/web/ports must be array');
  });

  it('runs the Procfile’s web and worker processes, from the image built here', () => {
    expect(procfile).toEqual({ release: 'npm run migrate', web: 'npm run web', worker: 'npm run worker' });
    expect(commandOf(compose.services.web)).toBe(procfile.web);
    expect(commandOf(compose.services.worker)).toBe(procfile.worker);
    // Any other service built from this repository runs a Procfile process too; one that runs
    // the release step must have finished before web and worker start.
    for (const [name, service] of Object.entries(compose.services).filter(([, s]) => s.build !== undefined)) {
      expect(Object.values(procfile), name).toContain(commandOf(service));
      if (commandOf(service) === procfile.release) {
        for (const process of ['web', 'worker']) {
          const dependsOn = compose.services[process]?.depends_on;
          expect(Array.isArray(dependsOn) ? undefined : dependsOn?.[name]?.condition, `${process} waits for ${name}`).toBe('service_completed_successfully');
        }
      }
    }
  });

  it('sets only variables the engine reads', () => {
    for (const process of ['web', 'worker']) {
      expect(Object.keys(compose.services[process]?.environment ?? {}).filter((name) => !(name in ENVIRONMENT.shape)), process).toEqual([]);
    }
  });
});

describe('npm run worker', () => {
  it('gives Node the flags the bench starts its workers with, and Node takes them', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { worker: string } };
    expect(WORKER_NODE_FLAGS).toEqual(['--max-semi-space-size=64']);
    expect(scripts.worker).toBe(`tsx ${WORKER_NODE_FLAGS.join(' ')} src/cli/worker.ts`);
    // Node refuses a flag it does not know (exit code 9) rather than ignoring it.
    const node = spawnSync(process.execPath, [...WORKER_NODE_FLAGS, '-e', `process.stdout.write(process.execArgv.slice(0, ${WORKER_NODE_FLAGS.length}).join(' '))`], { encoding: 'utf8' });
    expect(node.stderr).toBe('');
    expect(node.status).toBe(0);
    expect(node.stdout).toBe(WORKER_NODE_FLAGS.join(' '));
  });
});

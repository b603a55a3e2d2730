// Three projects, by what a test needs:
//   unit         no services, no network, no processes: seconds (npm run test:unit)
//   integration  real Redis and Postgres, each file in a database cloned from a migrated template
//   e2e          our commands as a user or an operator runs them (demo, bench, faults) and the
//                dashboard in a browser
// `npm test` runs all three.
import { defineConfig } from 'vitest/config';

const templateDatabase = 'test/support/template-database.ts';

export default defineConfig({
  test: {
    // Integration files each get their own database and queue prefix, so files may run in parallel;
    // two at a time suits the two-core machines we run on.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        // Pure tests share nothing but caches, so one module graph per worker thread does: it
        // halves the run's CPU time against a fresh process and module graph per file.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], setupFiles: ['test/support/no-network.ts'], pool: 'threads', isolate: false },
      },
      // Both start the local Redis Cluster of the cluster tests when it is not running.
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], globalSetup: [templateDatabase, 'test/support/cluster-setup.ts'] } },
      // The e2e setup also installs Debian's Chromium for the browser test when it is missing.
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: [templateDatabase, 'test/support/cluster-setup.ts', 'test/support/chromium.ts'] } },
    ],
  },
});

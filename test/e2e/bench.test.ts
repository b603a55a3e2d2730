// npm run bench -- --quick (and each of its stages alone), so that the benchmark itself cannot rot: it runs against the local
// services and reports every figure SPEC §9 asks for. How fast is the bench's own business: the
// timeout only stops a run that hangs.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../support/cli.js';
import { requireCluster } from '../support/cluster.js';
import { REDIS_URL, SERVER_URL } from '../support/env.js';

describe('npm run bench -- --quick', () => {
  it('prints one line per figure and a JSON summary', async () => {
    const result = await runCommand('bench/run.ts', ['--quick'], { DATABASE_URL: `${SERVER_URL}/interventions`, REDIS_URL }, { timeoutMs: 120_000 });
    expect(result.stderr).not.toMatch(/^error:/m);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!) as { quick: boolean; figures: Record<string, { value: number; unit: string }> };
    expect(summary.quick).toBe(true);
    const names = Object.keys(summary.figures);
    for (const pattern of [/^ingest_\d+_rows_per_s$/, /^ingest_\d+_peak_rss$/, /^decisions_per_s$/, /^decisions_per_s_evaluation_workers_only$/, /^e2e_\d+_scores_seconds$/, /^latency_p50_at_\d+_per_s$/, /^latency_p99_at_\d+_per_s$/, /^baseline_decisions_per_s$/, /^decisions_ratio_ours_to_baseline$/, /^e2e_scores_per_s_ratio_to_baseline_decisions$/, /^ingest_\d+_copy_reference_rows_per_s$/, /^ingest_\d+_ratio_to_copy$/, /^ingest_peak_rss_ratio_\d+_to_\d+$/, /^snapshot_over_\d+_interventions_seconds$/, /^webhook_sendgrid_1000_events_per_s$/]) {
      expect(names.some((name) => pattern.test(name)), `a figure named ${pattern}`).toBe(true);
    }
    for (const [name, figure] of Object.entries(summary.figures)) {
      expect(figure.value, name).toBeGreaterThan(0);
      expect(lines).toContain(`${name} ${figure.value} ${figure.unit}`);
    }
    expect(JSON.parse(readFileSync('bench/results/latest.json', 'utf8'))).toEqual(summary);
  }, 130_000);

  it.each([
    ['ingest', [/^ingest_\d+_ratio_to_copy [\d.]+ x/m, /^ingest_peak_rss_ratio_\d+_to_\d+ [\d.]+ x/m], ['ingest_']],
    ['decisions', [/^decisions_ratio_ours_to_baseline [\d.]+ x/m, /^e2e_scores_per_s_ratio_to_baseline_decisions [\d.]+ x/m, /^latency_p99_at_\d+_per_s \d+ ms$/m, /^decisions\/s after a warm-up round .*; ratio [\d.]+$/m, /^decisions cores used, .*workers \d+\.\d+ \(\d+ µs\)/m], ['decisions_', 'e2e_', 'latency_', 'baseline_']],
    ['webhook', [/^webhook_sendgrid_1000_events_per_s [\d.]+ events\/s$/m], ['webhook_']],
    ['snapshot', [/^snapshot_over_\d+_interventions_seconds [\d.]+ s/m, /^snapshot_ratio_without_to_with_pruning [\d.]+ x$/m], ['snapshot_']],
  ])('with --stage %s, prints that stage\'s figures alone and leaves the whole run\'s results as they were', async (stage, patterns, prefixes) => {
    const latest = () => (existsSync('bench/results/latest.json') ? readFileSync('bench/results/latest.json', 'utf8') : null);
    const before = latest();
    const result = await runCommand('bench/run.ts', ['--quick', '--stage', stage], { DATABASE_URL: `${SERVER_URL}/interventions`, REDIS_URL }, { timeoutMs: 100_000 });
    expect(result.stderr).not.toMatch(/^error:/m);
    expect(result.code).toBe(0);
    for (const pattern of patterns) expect(result.stdout).toMatch(pattern);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { stage: string; figures: Record<string, unknown> };
    expect(summary.stage).toBe(stage);
    expect(Object.keys(summary.figures).every((name) => prefixes.some((prefix) => name.startsWith(prefix)))).toBe(true);
    expect(latest()).toBe(before);
  }, 110_000);

  it('with --stage scale-out, prints decisions/s by worker processes on single Redis and on the cluster, with the machine\'s CPU and PostgreSQL\'s sessions', async () => {
    await requireCluster();
    const result = await runCommand('bench/run.ts', ['--quick', '--stage', 'scale-out'], { DATABASE_URL: `${SERVER_URL}/interventions`, REDIS_URL }, { timeoutMs: 170_000 });
    expect(result.stderr).not.toMatch(/^error:|no Redis Cluster/m);
    expect(result.code).toBe(0);
    for (const redis of ['single', 'cluster']) {
      for (const workers of [1, 2, 4]) {
        expect(result.stdout).toMatch(new RegExp(String.raw`^decisions_per_s_${redis}_redis_${workers}_workers [\d.]+ decisions/s$`, 'm'));
        expect(result.stdout).toMatch(new RegExp(String.raw`^\| ${redis} \| ${workers} \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| .*(idle|CPU).* \|$`, 'm'));
      }
    }
  }, 180_000);
});

// The demo's champion and challenger: a challenger put through the API beside whatever champion
// the database holds (a flexible payment from 0.55 instead of 0.60, by SMS first), and both
// arms' figures printed side by side.
import type { InterventionMetrics } from '../db/metrics.js';
import type { Estimate } from '../domain/metrics.js';
import type { Policy } from '../domain/policy.js';

export const DEMO_CHALLENGER = 'sms_first';

interface StrategyDocument {
  name: string;
  weight: number;
  champion: boolean;
  policy: Policy;
}

/** PUT /strategies/sms_first: the champion's policy with flexible_payment from 0.55 and SMS first, at the champion's weight. */
export async function putDemoChallenger(webUrl: string, adminToken: string): Promise<{ champion: StrategyDocument; status: number }> {
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${webUrl}${path}`, { ...init, headers });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const listing = (await (await call('/strategies')).json()) as { strategies: { name: string; champion: boolean }[] };
  const championName = listing.strategies.find((s) => s.champion)?.name;
  if (championName === undefined) throw new Error('no champion strategy is stored');
  const champion = (await (await call(`/strategies/${championName}`)).json()) as StrategyDocument;
  const policy: Policy = {
    ...champion.policy,
    version: `${champion.policy.version}+sms-first-0.55`,
    tiers: champion.policy.tiers.map((tier) => (tier.type === 'flexible_payment' ? { ...tier, minScore: 0.55, channels: ['sms', ...tier.channels.filter((c) => c !== 'sms')] } : tier)),
  };
  const res = await call(`/strategies/${DEMO_CHALLENGER}`, { method: 'PUT', body: JSON.stringify({ weight: champion.weight, policy }) });
  return { champion, status: res.status };
}

const pct = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
const pts = (value: number | null) => (value === null ? 'n/a' : `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} pts`);
const withInterval = (e: Estimate | null, format: (v: number | null) => string) => (e === null ? '-' : e.value === null ? 'n/a' : `${format(e.value)} [${format(e.ci_low)}, ${format(e.ci_high)}]`);

/** Rows for the summary's strategy table: one per strategy, today's decisions beside the window's outcomes. */
export function strategyRows(metrics: InterventionMetrics, todaysDecisions: readonly { strategy: string | null; count: number }[]): (string | number)[][] {
  const header = ['strategy', 'role', "today's decisions", 'treated (matured)', 'default rate [95% CI]', 'uplift vs own holdout [95% CI]', 'vs champion [95% CI]'];
  return [
    header,
    ...metrics.by_strategy.map((s) => [
      s.strategy,
      s.champion ? 'champion' : s.active ? 'challenger' : 'retired',
      todaysDecisions.find((d) => d.strategy === s.strategy)?.count ?? 0,
      `${s.total_interventions} (${s.matured_interventions})`,
      withInterval(s.default_rate, pct),
      withInterval(s.uplift_vs_holdout, pts),
      withInterval(s.difference_vs_champion, pts),
    ]),
  ];
}

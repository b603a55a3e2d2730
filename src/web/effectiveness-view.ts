// The effectiveness page's figures as tables (src/web/tables.ts): the headline figures, uplift
// per group for the forest plot, the delivery funnel and the trend. Pure: it is given the
// metrics, the trend and the holdout share, and links every count to the interventions behind it.
import { FUNNEL_SIDE_COUNTS, FUNNEL_STAGES, type ChannelFunnel, type FunnelCount } from '../domain/funnel.js';
import type { HoldoutShare, Uplift } from '../domain/metrics.js';
import type { StrategyMetrics } from '../domain/strategy-comparison.js';
import type { InterventionMetrics, OutcomeFigures } from '../db/metrics.js';
import type { TrendPoint } from '../db/snapshot-trend.js';
import type { OutcomeFigure } from '../db/intervention-scope.js';
import { FILTER_KEYS, type GivenFilter } from './filters.js';
import type { Row, Table } from './tables.js';

/** Where the interventions behind a figure are listed, under the same filter. */
export function figureLink(given: GivenFilter, figure: OutcomeFigure | FunnelCount, narrowing: Partial<GivenFilter> = {}): string {
  const params = new URLSearchParams();
  const filter = { ...given, ...narrowing };
  for (const key of FILTER_KEYS) {
    const value = filter[key];
    if (value) params.set(key, value);
  }
  params.set('figure', figure);
  return `/dashboard/interventions?${params.toString()}`;
}

export function summaryTable(m: InterventionMetrics, share: HoldoutShare, given: GivenFilter): Table {
  const h = m.holdout_comparison;
  return {
    name: 'summary',
    caption: 'Headline figures',
    columns: [
      { key: 'period_start', label: 'Period from', format: 'datetime' },
      { key: 'period_end', label: 'Period to', format: 'datetime' },
      { key: 'treated', label: 'Interventions (treated)', format: 'count' },
      { key: 'matured', label: 'Matured', format: 'count' },
      { key: 'maturing', label: 'Still maturing', format: 'count' },
      { key: 'prevented', label: 'No default in 30 days', format: 'count' },
      { key: 'defaulted', label: 'Defaulted', format: 'count' },
      { key: 'success_rate', label: 'No-default rate', format: 'percent' },
      { key: 'holdout', label: 'Holdout interventions', format: 'count' },
      { key: 'treated_default_rate', label: 'Default rate, treated', format: 'percent' },
      { key: 'holdout_default_rate', label: 'Default rate, holdout', format: 'percent' },
      { key: 'uplift', label: 'Uplift vs holdout', format: 'points' },
      { key: 'ci_low', label: 'Uplift 95% CI low', format: 'points' },
      { key: 'ci_high', label: 'Uplift 95% CI high', format: 'points' },
      { key: 'holdout_share', label: 'Holdout share, observed', format: 'percent' },
      { key: 'holdout_share_low', label: 'Holdout share 95% CI low', format: 'percent' },
      { key: 'holdout_share_high', label: 'Holdout share 95% CI high', format: 'percent' },
      { key: 'holdout_configured', label: 'Holdout share, configured', format: 'percent' },
      { key: 'evaluated', label: 'Scores decided', format: 'count' },
      { key: 'no_intervention', label: 'Decided: no intervention', format: 'count' },
    ],
    rows: [
      {
        cells: {
          period_start: m.period_start,
          period_end: m.period_end,
          treated: m.total_interventions,
          matured: m.matured_interventions,
          maturing: m.maturing_interventions,
          prevented: m.prevented_defaults,
          defaulted: m.defaults_occurred,
          success_rate: m.success_rate,
          holdout: m.holdout_interventions,
          treated_default_rate: h.treated_default_rate,
          holdout_default_rate: h.holdout_default_rate,
          uplift: h.absolute_uplift,
          ci_low: h.ci_low,
          ci_high: h.ci_high,
          holdout_share: share.observed,
          holdout_share_low: share.ci_low,
          holdout_share_high: share.ci_high,
          holdout_configured: share.configured,
          evaluated: m.decisions.evaluated,
          no_intervention: m.decisions.no_intervention,
        },
        links: {
          treated: figureLink(given, 'treated'),
          matured: figureLink(given, 'matured'),
          maturing: figureLink(given, 'maturing'),
          prevented: figureLink(given, 'prevented'),
          defaulted: figureLink(given, 'defaulted'),
          holdout: figureLink(given, 'holdout'),
        },
      },
    ],
  };
}

const typeLabel = (type: string) => type.replaceAll('_', ' ');

/** One row per group with any intervention: all, each type, each strategy; the forest plot draws them. */
export function upliftTable(m: InterventionMetrics, given: GivenFilter): Table {
  const row = (group: string, grouping: string, f: UpliftFigures, narrowing: Partial<GivenFilter>): Row => ({
    cells: { group, grouping, ...f },
    links: {
      treated: figureLink(given, 'treated', narrowing),
      treated_matured: figureLink(given, 'matured', narrowing),
      holdout: figureLink(given, 'holdout', narrowing),
      holdout_matured: figureLink(given, 'holdout_matured', narrowing),
    },
  });
  const rows = [row('All interventions', 'all', outcomeUplift(m), {})];
  for (const t of m.by_intervention_type) {
    if (t.total_interventions + t.holdout_interventions > 0) rows.push(row(typeLabel(t.intervention_type), 'type', outcomeUplift(t), { type: t.intervention_type as GivenFilter['type'] }));
  }
  for (const s of m.by_strategy) {
    rows.push(row(s.champion ? `${s.strategy} (champion)` : s.strategy, 'strategy', strategyUplift(s), { strategy: s.strategy }));
  }
  return {
    name: 'uplift',
    caption: 'Uplift vs holdout by group, with 95% confidence intervals',
    columns: [
      { key: 'group', label: 'Group', format: 'text' },
      { key: 'grouping', label: 'Grouping', format: 'text' },
      { key: 'treated', label: 'Treated', format: 'count' },
      { key: 'treated_matured', label: 'Treated, matured', format: 'count' },
      { key: 'treated_default_rate', label: 'Default rate, treated', format: 'percent' },
      { key: 'holdout', label: 'Holdout', format: 'count' },
      { key: 'holdout_matured', label: 'Holdout, matured', format: 'count' },
      { key: 'holdout_default_rate', label: 'Default rate, holdout', format: 'percent' },
      { key: 'uplift', label: 'Uplift', format: 'points' },
      { key: 'ci_low', label: '95% CI low', format: 'points' },
      { key: 'ci_high', label: '95% CI high', format: 'points' },
      { key: 'vs_champion', label: 'Default rate vs champion', format: 'points' },
      { key: 'vs_champion_ci_low', label: 'vs champion 95% CI low', format: 'points' },
      { key: 'vs_champion_ci_high', label: 'vs champion 95% CI high', format: 'points' },
    ],
    rows,
  };
}

/** A forest-plot row's figures, from a type's (or all) outcomes or from a strategy's clustered ones. */
interface UpliftFigures {
  treated: number;
  treated_matured: number;
  treated_default_rate: number | null;
  holdout: number;
  holdout_matured: number;
  holdout_default_rate: number | null;
  uplift: number | null;
  ci_low: number | null;
  ci_high: number | null;
  /** the champion's default rate minus this strategy's (strategies other than the champion) */
  vs_champion: number | null;
  vs_champion_ci_low: number | null;
  vs_champion_ci_high: number | null;
}

function outcomeUplift(f: OutcomeFigures): UpliftFigures {
  const h: Uplift = f.holdout_comparison;
  return {
    treated: f.total_interventions,
    treated_matured: f.matured_interventions,
    treated_default_rate: h.treated_default_rate,
    holdout: f.holdout_interventions,
    holdout_matured: h.holdout_n,
    holdout_default_rate: h.holdout_default_rate,
    uplift: h.absolute_uplift,
    ci_low: h.ci_low,
    ci_high: h.ci_high,
    vs_champion: null,
    vs_champion_ci_low: null,
    vs_champion_ci_high: null,
  };
}

/** A strategy's row: its intervals are clustered by customer (src/domain/strategy-comparison.ts). */
function strategyUplift(s: StrategyMetrics): UpliftFigures {
  return {
    treated: s.total_interventions,
    treated_matured: s.matured_interventions,
    treated_default_rate: s.default_rate.value,
    holdout: s.holdout_interventions,
    holdout_matured: s.holdout_matured,
    holdout_default_rate: s.holdout_default_rate.value,
    uplift: s.uplift_vs_holdout.value,
    ci_low: s.uplift_vs_holdout.ci_low,
    ci_high: s.uplift_vs_holdout.ci_high,
    vs_champion: s.difference_vs_champion?.value ?? null,
    vs_champion_ci_low: s.difference_vs_champion?.ci_low ?? null,
    vs_champion_ci_high: s.difference_vs_champion?.ci_high ?? null,
  };
}

const STAGE_LABELS: Record<FunnelCount, string> = {
  decided: 'decided',
  intervened: 'intervened (not holdout)',
  sent: 'sent (incl. bounced)',
  delivered: 'delivered',
  opened: 'opened',
  clicked: 'clicked',
  responded: 'responded',
  pending: 'waiting to be sent',
  scheduled: 'scheduled (quiet hours)',
  bounced: 'bounced',
  failed: 'failed',
  suppressed: 'suppressed (opted out)',
  unknown: 'outcome unknown',
};

/** Per channel: the main stages with their rates, then what waits and what was not sent. */
export function funnelTable(funnel: readonly ChannelFunnel[], given: GivenFilter): Table {
  const rows: Row[] = [];
  for (const f of funnel) {
    const channel = typeLabel(f.channel);
    const link = (stage: FunnelCount) => figureLink(given, stage, { channel: f.channel });
    for (const stage of FUNNEL_STAGES) {
      const count = f[stage];
      rows.push({
        cells: { channel, stage: STAGE_LABELS[stage], count, of_previous: f.rates[stage], of_intervened: count === null || stage === 'decided' || f.intervened === 0 ? null : count / f.intervened },
        links: count === null ? {} : { count: link(stage) },
      });
    }
    for (const side of FUNNEL_SIDE_COUNTS) {
      rows.push({ cells: { channel, stage: STAGE_LABELS[side], count: f[side], of_previous: null, of_intervened: f.intervened === 0 ? null : f[side] / f.intervened }, links: { count: link(side) } });
    }
  }
  return {
    name: 'funnel',
    caption: 'Delivery funnel by channel',
    columns: [
      { key: 'channel', label: 'Channel', format: 'text' },
      { key: 'stage', label: 'Stage', format: 'text' },
      { key: 'count', label: 'Count', format: 'count' },
      { key: 'of_previous', label: 'Of previous stage', format: 'percent' },
      { key: 'of_intervened', label: 'Of intervened', format: 'percent' },
    ],
    rows,
  };
}

export function trendTable(points: readonly TrendPoint[]): Table {
  return {
    name: 'trend',
    caption: 'Stored snapshots over time (each covers the 90 days before it)',
    columns: [
      { key: 'measured_at', label: 'Measured at', format: 'datetime' },
      { key: 'treated', label: 'Interventions (treated)', format: 'count' },
      { key: 'success_rate', label: 'No-default rate', format: 'percent' },
      { key: 'uplift', label: 'Uplift', format: 'points' },
      { key: 'ci_low', label: '95% CI low', format: 'points' },
      { key: 'ci_high', label: '95% CI high', format: 'points' },
    ],
    rows: points.map((p) => ({
      cells: { measured_at: p.measured_at.toISOString(), treated: p.total_interventions, success_rate: p.success_rate, uplift: p.absolute_uplift, ci_low: p.ci_low, ci_high: p.ci_high },
    })),
  };
}

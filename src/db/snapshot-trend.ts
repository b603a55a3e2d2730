// The metrics' history for the trend charts: the last stored snapshot of each hour or day of a
// period (src/domain/metrics-filter.ts trendBucket says which and why), read from the indexed
// measured_at and the stored figures of the whole portfolio, one type or one strategy.
import type { MetricsFilter, TrendBucket } from '../domain/metrics-filter.js';
import type { Queryable } from './pool.js';

export interface TrendPoint {
  measured_at: Date;
  total_interventions: number | null;
  success_rate: number | null;
  absolute_uplift: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

export async function snapshotTrend(db: Queryable, filter: Pick<MetricsFilter, 'start' | 'end' | 'type' | 'strategy'>, bucket: TrendBucket): Promise<TrendPoint[]> {
  const { rows } = await db.query<TrendPoint>(
    `select t.measured_at, (t.f ->> 'total_interventions')::int as total_interventions,
            (t.f ->> 'success_rate')::float8 as success_rate,
            (t.f -> 'holdout_comparison' ->> 'absolute_uplift')::float8 as absolute_uplift,
            (t.f -> 'holdout_comparison' ->> 'ci_low')::float8 as ci_low,
            (t.f -> 'holdout_comparison' ->> 'ci_high')::float8 as ci_high
       from (select distinct on (date_trunc($3, s.measured_at, 'UTC')) s.measured_at,
                    case when $5::text is not null then
                           (select e from jsonb_array_elements(s.metrics -> 'by_strategy') e where e ->> 'strategy' = $5 limit 1)
                         when $4::text is not null then
                           (select e from jsonb_array_elements(s.metrics -> 'by_intervention_type') e where e ->> 'intervention_type' = $4 limit 1)
                         else s.metrics end as f
               from metrics_snapshots s
              where s.measured_at >= $1::timestamptz and s.measured_at < $2::timestamptz
              order by date_trunc($3, s.measured_at, 'UTC'), s.measured_at desc) t
      order by t.measured_at`,
    [filter.start, filter.end, bucket, filter.type, filter.strategy],
  );
  return rows;
}

// The dashboard's pure parts: the funnel's rates per channel, throughput from BullMQ's
// per-minute metrics, the holdout share's interval, the trend's thinning, the filter's parsing,
// and Bull Board's page without its call to Google Fonts.
import { describe, expect, it } from 'vitest';
import { channelFunnel, type FunnelCounts } from '../../src/domain/funnel.js';
import { lastDays, trendBucket } from '../../src/domain/metrics-filter.js';
import { holdoutShare } from '../../src/domain/metrics.js';
import { jobsInMinute, jobsPerMinute } from '../../src/domain/throughput.js';
import { parseFilter } from '../../src/web/filters.js';
import { withLocalFonts } from '../../src/web/routes/bull-board.js';
import type { InterventionMetrics } from '../../src/db/metrics.js';
import { upliftTable } from '../../src/web/effectiveness-view.js';
import { holdoutUplift } from '../../src/domain/metrics.js';

const counts = (overrides: Partial<FunnelCounts>): FunnelCounts => ({
  decided: 0, intervened: 0, sent: 0, delivered: 0, opened: 0, clicked: 0, responded: 0,
  pending: 0, scheduled: 0, bounced: 0, failed: 0, suppressed: 0, unknown: 0,
  ...overrides,
});

describe('channelFunnel', () => {
  it('divides each stage by the one before it', () => {
    const f = channelFunnel('email', counts({ decided: 200, intervened: 190, sent: 180, bounced: 9, delivered: 171, opened: 90, clicked: 30, responded: 15, scheduled: 10 }));
    expect(f.rates).toEqual({ decided: null, intervened: 0.95, sent: 180 / 190, delivered: 0.95, opened: 90 / 171, clicked: 1 / 3, responded: 0.5 });
    expect([f.sent, f.bounced, f.scheduled]).toEqual([180, 9, 10]);
  });

  it('leaves out the stages a channel never reports and divides by the last one it does', () => {
    const phone = channelFunnel('phone', counts({ decided: 10, intervened: 10, sent: 8, responded: 4 }));
    expect([phone.delivered, phone.opened, phone.clicked]).toEqual([null, null, null]);
    expect(phone.rates.responded).toBe(0.5);
    const sms = channelFunnel('sms', counts({ decided: 10, intervened: 10, sent: 10, delivered: 8, responded: 2 }));
    expect([sms.delivered, sms.opened, sms.clicked]).toEqual([8, null, null]);
    expect(sms.rates.responded).toBe(0.25);
  });

  it('gives no rate where the stage before it is empty', () => {
    expect(channelFunnel('email', counts({})).rates.sent).toBeNull();
  });
});

describe('jobsPerMinute', () => {
  // The last push was in minute 1000 (5 jobs there so far); before it, minutes 999..996 had 3, 0, 7, 2.
  const metrics = { meta: { count: 30, prevTS: 1000 * 60_000 + 5_000, prevCount: 25 }, data: [3, 0, 7, 2] };
  const at = (minute: number, seconds = 0) => new Date(minute * 60_000 + seconds * 1000);

  it('reads each minute of the series as BullMQ keeps it', () => {
    expect([996, 997, 998, 999, 1000, 1001].map((m) => jobsInMinute(metrics, m))).toEqual([2, 7, 0, 3, 5, 0]);
  });

  it('averages the last five minutes and the current one so far', () => {
    expect(jobsPerMinute(metrics, at(1001, 30), 5)).toBeCloseTo(17 / 5.5, 12);
    expect(jobsPerMinute(metrics, at(1003), 5)).toBe(8 / 5);
  });

  it('reads 0 for a queue idle since, or never measured', () => {
    expect(jobsPerMinute(metrics, at(1100), 5)).toBe(0);
    expect(jobsPerMinute({ meta: { count: 0, prevTS: 0, prevCount: 0 }, data: [] }, at(1100), 5)).toBe(0);
  });
});

describe('holdoutShare', () => {
  it('gives the observed share with its Wilson interval beside the configured one', () => {
    // 50 of 1,000: Wilson 95% interval 3.81% to 6.53%.
    const share = holdoutShare(50, 1000, 5);
    expect(share).toMatchObject({ configured: 0.05, observed: 0.05, holdout: 50, interventions: 1000 });
    expect(share.ci_low).toBeCloseTo(0.03813, 5);
    expect(share.ci_high).toBeCloseTo(0.06531, 5);
  });

  it('stays within 0..1 for a share of 0, and says nothing without interventions', () => {
    expect(holdoutShare(0, 20, 5).ci_low).toBe(0);
    expect(holdoutShare(0, 0, 5)).toMatchObject({ observed: null, ci_low: null, ci_high: null });
  });
});

describe('trendBucket', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  it('shows a point a day over 90 days and a point an hour over a week', () => {
    expect(trendBucket(lastDays(90, now))).toBe('day');
    expect(trendBucket(lastDays(7, now))).toBe('hour');
    expect(trendBucket(lastDays(8, now))).toBe('day');
  });
});

describe('parseFilter', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const dashboard = { defaultDays: 90, allowDays: false };

  it('reads whole UTC days, both ends included, never past now', () => {
    const { filter, given } = parseFilter({ from: '2026-11-01', to: '2026-11-10', type: 'flexible_payment', channel: 'sms', strategy: 'gentle' }, now, dashboard);
    expect(filter).toEqual({ start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-11T00:00:00Z'), type: 'flexible_payment', channel: 'sms', strategy: 'gentle' });
    expect(given).toEqual({ from: '2026-11-01', to: '2026-11-10', type: 'flexible_payment', channel: 'sms', strategy: 'gentle' });
    expect(parseFilter({ from: '2026-11-20', to: '2026-12-31' }, now, dashboard).filter.end).toEqual(new Date(now.getTime() + 1));
  });

  it('defaults to the days before now, or before the day given as to', () => {
    expect(parseFilter({}, now, dashboard).filter).toEqual(lastDays(90, now));
    expect(parseFilter({ to: '2026-10-31' }, now, dashboard).filter.start).toEqual(new Date('2026-08-03T00:00:00Z'));
    expect(parseFilter({ days: '7' }, now, { defaultDays: 30, allowDays: true }).filter).toEqual(lastDays(7, now));
  });

  it.each([
    [{ from: '2026-02-30' }, /from must be a date as YYYY-MM-DD/],
    [{ to: 'yesterday' }, /to must be a date/],
    [{ from: '2026-11-10', to: '2026-11-01' }, /from must be on or before to/],
    [{ type: 'loan_shark' }, /type must be one of payment_assistance/],
    [{ channel: 'fax' }, /channel must be one of email, sms/],
    [{ strategy: 'a b' }, /strategy must be a strategy name/],
    [{ type: ['sms', 'email'] }, /type must be given once/],
    [{ days: '7' }, /days is not a filter here/],
  ])('refuses %j with a message naming the parameter', (query, message) => {
    expect(() => parseFilter(query, now, dashboard)).toThrow(message);
  });
});

describe("Bull Board's page", () => {
  it('loads IBM Plex from this server instead of Google Fonts', () => {
    const page = '<head><link href="https://fonts.googleapis.com/css2?family=IBM+Plex+Sans:wght@400;500;600&display=swap" rel="stylesheet">\n<link href="static/css/main.css" rel="stylesheet"></head>';
    const local = withLocalFonts(page);
    expect(local).not.toContain('googleapis');
    expect(local).toContain('<link href="/admin/queues/fonts/ibm-plex-sans/400.css" rel="stylesheet">');
    expect(local).toContain('<link href="/admin/queues/fonts/ibm-plex-mono/500.css" rel="stylesheet">');
    expect(local).toContain('static/css/main.css');
  });
});

describe('upliftTable', () => {
  const figures = (treated: number, defaults: number, holdout: number, holdoutDefaults: number) => ({
    total_interventions: treated,
    matured_interventions: treated,
    maturing_interventions: 0,
    prevented_defaults: treated - defaults,
    defaults_occurred: defaults,
    success_rate: (treated - defaults) / treated,
    holdout_interventions: holdout,
    holdout_comparison: holdoutUplift({ matured: treated, defaults }, { matured: holdout, defaults: holdoutDefaults }),
  });
  /** A strategy's clustered figures: 10% of its treated defaulted, 20% of its holdout. */
  const strategy = (name: string, champion: boolean, vsChampion: { value: number; ci_low: number; ci_high: number } | null) => ({
    strategy: name,
    champion,
    active: true,
    total_interventions: 100,
    matured_interventions: 100,
    holdout_interventions: 40,
    holdout_matured: 40,
    default_rate: { value: 0.1, ci_low: 0.04, ci_high: 0.16 },
    holdout_default_rate: { value: 0.2, ci_low: 0.08, ci_high: 0.32 },
    uplift_vs_holdout: { value: 0.1, ci_low: -0.03, ci_high: 0.23 },
    difference_vs_champion: vsChampion,
  });
  const metrics = {
    ...figures(300, 30, 40, 8),
    by_intervention_type: [
      { intervention_type: 'payment_assistance', ...figures(300, 30, 40, 8) },
      { intervention_type: 'payment_reminder', ...figures(0, 0, 0, 0), success_rate: null },
    ],
    by_strategy: [
      strategy('steady', true, null),
      strategy('gentle', false, { value: 0, ci_low: -0.05, ci_high: 0.05 }),
    ],
  } as unknown as InterventionMetrics;

  it('gives the forest plot a row for all, each type with interventions and each strategy, each linked to its interventions', () => {
    const table = upliftTable(metrics, { from: '2026-11-01', to: null, type: null, channel: null, strategy: null });
    expect(table.rows.map((row) => [row.cells.group, row.cells.grouping])).toEqual([
      ['All interventions', 'all'],
      ['payment assistance', 'type'],
      ['steady (champion)', 'strategy'],
      ['gentle', 'strategy'],
    ]);
    const gentle = table.rows[3]!;
    expect(gentle.cells).toMatchObject({ uplift: 0.1, ci_low: -0.03, ci_high: 0.23, treated_default_rate: 0.1, holdout_matured: 40, vs_champion: 0, vs_champion_ci_low: -0.05 });
    expect(table.rows[2]!.cells.vs_champion).toBeNull();
    expect(gentle.links?.treated).toBe('/dashboard/interventions?from=2026-11-01&strategy=gentle&figure=treated');
    expect(gentle.links?.holdout).toBe('/dashboard/interventions?from=2026-11-01&strategy=gentle&figure=holdout');
  });
});

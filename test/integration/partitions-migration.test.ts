// The monthly-partitions migration on a populated database: a synthetic portfolio with four
// months of scores, decisions, interventions, deliveries, notifications and provider events is
// written under the schema before it; after it, every row is kept with its id in its month's
// partition, new ids continue the old ones, and the guarantees are still enforced.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { recordDecisions } from '../../src/db/decisions.js';
import { applyDeliveryEvent, findDeliveryRef } from '../../src/db/events.js';
import { migrate } from '../../src/db/migrate.js';
import { partitionedTables } from '../../src/db/partitions.js';
import { insertPayments, insertScoreHistory, upsertCustomers } from '../../src/db/portfolio.js';
import { withTransaction, type Pool } from '../../src/db/pool.js';
import { DEFAULT_POLICY } from '../../src/domain/policy.js';
import { DEFAULT_ASSIGNMENT_SALT, DEFAULT_STRATEGY_NAME, makeStrategySet } from '../../src/domain/strategies.js';
import { evaluateScores } from '../../src/evaluation/evaluate-scores.js';
import { loadPolicyFile } from '../../src/strategies/policy-file.js';
import { seedStrategies } from '../../src/strategies/change-strategies.js';
import { liveStrategies } from '../../src/strategies/live-strategies.js';
import { generatePastInterventions, generatePortfolio, type PastIntervention } from '../../src/synthetic/portfolio.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const PARTITIONS_MIGRATION = 1764001000000;
const AS_OF = new Date('2026-11-20T00:00:00Z');

/** Each table the migration partitions, its id and its partition key. */
const TABLES = [
  { table: 'risk_scores', id: 'score_id', key: 'score_date' },
  { table: 'decisions', id: 'decision_id', key: 'score_date' },
  { table: 'deliveries', id: 'delivery_id', key: 'intervention_date' },
  { table: 'notifications', id: 'notification_id', key: 'intervention_date' },
  { table: 'delivery_events', id: 'event_id', key: 'received_at' },
] as const;
/** Tables that keep their shape but lose a foreign key: their rows must not change either. */
const UNCHANGED = [
  { table: 'interventions', id: 'intervention_id' },
  { table: 'outbox_messages', id: 'delivery_id' },
  { table: 'agent_tasks', id: 'task_id' },
  { table: 'intervention_responses', id: 'response_id' },
] as const;

interface Fingerprint {
  rows: number;
  digest: string;
  maxId: number;
}

/** The columns a table has now. */
async function columnsOf(pool: Pool, table: string): Promise<string[]> {
  const { rows } = await pool.query<{ column_name: string }>('select column_name from information_schema.columns where table_name = $1', [table]);
  return rows.map((row) => row.column_name);
}

/**
 * Every row of a table folded into one digest, over the given columns: those it had before the
 * migrations, so that columns added by this one (a delivery's date) or a later one do not count.
 */
async function fingerprint(pool: Pool, table: string, id: string, columns: readonly string[]): Promise<Fingerprint> {
  const { rows } = await pool.query<{ rows: number; digest: string; max_id: number }>(
    `select count(*)::int as rows,
            md5(coalesce(string_agg((select jsonb_object_agg(key, value) from jsonb_each(to_jsonb(t)) where key = any($1::text[]))::text, '|' order by ${id}), '')) as digest,
            coalesce(max(${id}), 0) as max_id
       from ${table} t`,
    [columns],
  );
  return { rows: rows[0]!.rows, digest: rows[0]!.digest, maxId: rows[0]!.max_id };
}

/** The old schema's activity around the synthetic portfolio, written directly as the engine would have. */
async function writeActivity(pool: Pool): Promise<void> {
  // Every channel for each treated intervention, settled as the channel settles.
  await pool.query(
    `insert into deliveries (intervention_id, customer_id, channel, status, provider, provider_message_id, sent_at, created_at, updated_at)
     select i.intervention_id, i.customer_id, c.channel, c.status, c.provider, c.provider || '-' || i.intervention_id, i.intervention_date,
            i.intervention_date, i.intervention_date + interval '1 hour'
       from interventions i
      cross join (values ('email', 'delivered', 'sendgrid'), ('sms', 'outbox', 'outbox'), ('app_notification', 'sent', 'inbox'), ('phone', 'sent', 'agent'))
                 as c(channel, status, provider)
      where not i.holdout`,
  );
  await pool.query(
    `insert into notifications (delivery_id, intervention_id, customer_id, title, body, created_at, read_at)
     select d.delivery_id, d.intervention_id, d.customer_id, 'A plan that fits', 'Hello ' || d.customer_id, d.created_at,
            case when d.delivery_id % 3 = 0 then d.created_at + interval '2 days' end
       from deliveries d where d.channel = 'app_notification'`,
  );
  await pool.query(
    `insert into outbox_messages (delivery_id, channel, recipient, payload, created_at)
     select d.delivery_id, d.channel, '+34600000000', jsonb_build_object('body', 'Reply STOP to opt out'), d.created_at from deliveries d where d.channel = 'sms'`,
  );
  await pool.query(
    `insert into agent_tasks (delivery_id, intervention_id, customer_id, due_at, script, created_at)
     select d.delivery_id, d.intervention_id, d.customer_id, d.created_at + interval '1 day', '{"opening": "hello"}', d.created_at
       from deliveries d where d.channel = 'phone'`,
  );
  // SendGrid's events for each email, the click five weeks later (another month); a few that
  // matched nothing; an inbound SMS.
  await pool.query(
    `insert into delivery_events (provider, event_key, event_type, delivery_id, customer_id, matched, payload, received_at)
     select 'sendgrid', 'sg-' || e.event_type || '-' || d.delivery_id, e.event_type, d.delivery_id, d.customer_id, true,
            jsonb_build_object('event', e.event_type, 'delivery_id', d.delivery_id::text), d.created_at + e.after
       from deliveries d
      cross join (values ('processed', interval '1 minute'), ('delivered', interval '2 minutes'), ('click', interval '35 days')) as e(event_type, after)
      where d.channel = 'email'
     union all
     select 'sendgrid', 'sg-stray-' || n, 'bounce', null, null, false, jsonb_build_object('event', 'bounce'), $1::timestamptz - n * interval '20 days'
       from generate_series(1, 4) as n
     union all
     select 'twilio', 'inbound:SM1', 'inbound_other', null, 'P0000001', true, jsonb_build_object('Body', 'thanks'), $1::timestamptz - interval '3 days'`,
    [AS_OF],
  );
  await pool.query(
    `insert into intervention_responses (intervention_id, response_type, source, created_at)
     select intervention_id, 'engaged', 'sendgrid:click', intervention_date + interval '35 days' from interventions where intervention_id % 4 = 0`,
  );
}

/** The code of the first error `work` throws (a SQLSTATE), or null when it succeeds. */
/** Past interventions as the schema before the partitions (and before strategies) stores them. */
async function insertPastInterventionsBeforeStrategies(pool: Pool, past: readonly PastIntervention[]): Promise<void> {
  await pool.query(
    `with input as (
       select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::boolean[], $5::text[]) as t(customer_id, intervention_type, at, holdout, policy_version)
     ), d as (
       insert into decisions (customer_id, score_date, risk_score, outcome, reason, trend, intervention_type, policy_version, decided_at)
       select customer_id, at, 0.7, case when holdout then 'holdout' else 'intervention' end, null, 'increasing', intervention_type, policy_version, at from input
       on conflict (customer_id, score_date) do nothing
       returning decision_id, customer_id, score_date, intervention_type, decided_at
     )
     insert into interventions (decision_id, customer_id, intervention_date, intervention_type, urgency, risk_score, trend, channels, offers,
                                contact_by, holdout, delivery_status, policy_version)
     select d.decision_id, d.customer_id, d.decided_at, d.intervention_type, 'high', 0.7, 'increasing', '{email}', '{}',
            d.decided_at + interval '5 days', i.holdout, case when i.holdout then 'holdout' else 'delivered' end, i.policy_version
       from d join input i on i.customer_id = d.customer_id and i.at = d.score_date`,
    [past.map((p) => p.customerId), past.map((p) => p.interventionType), past.map((p) => p.at), past.map((p) => p.holdout), past.map((p) => p.policyVersion)],
  );
  const missed = past.filter((p) => p.missedDueDate !== null);
  await insertPayments(pool, missed.map((p) => ({ customerId: p.customerId, dueDate: p.missedDueDate!, amount: '100.00', currency: 'USD', status: 'missed' as const })));
}

async function errorCode(work: () => Promise<unknown>): Promise<string | null> {
  try {
    await work();
    return null;
  } catch (error) {
    if (error instanceof pg.DatabaseError) return error.code ?? 'unknown';
    throw error;
  }
}

let db: TestDatabase;
const before = new Map<string, { columns: string[]; print: Fingerprint }>();
let scoreMonths: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  await migrate(db.url, { upTo: PARTITIONS_MIGRATION - 1 });
  const portfolio = generatePortfolio({ customers: 150, seed: 16, asOf: AS_OF, historyDays: 120, idPrefix: 'P' });
  await upsertCustomers(db.pool, portfolio.customers);
  await insertPayments(db.pool, portfolio.payments);
  await insertScoreHistory(db.pool, portfolio.history);
  const strategies = makeStrategySet([{ name: DEFAULT_STRATEGY_NAME, weight: 100, champion: true, policy: DEFAULT_POLICY }], DEFAULT_ASSIGNMENT_SALT);
  const past = generatePastInterventions({ customers: portfolio.customers, asOf: AS_OF, days: 120, strategies, treatedRate: 0.1, holdoutRate: 0.2, holdoutShare: 0.2 });
  await insertPastInterventionsBeforeStrategies(db.pool, past);
  await writeActivity(db.pool);
  for (const { table, id } of [...TABLES, ...UNCHANGED]) {
    const columns = await columnsOf(db.pool, table);
    before.set(table, { columns, print: await fingerprint(db.pool, table, id, columns) });
  }
  const { rows } = await db.pool.query<{ month: string }>("select distinct to_char(score_date at time zone 'UTC', 'YYYYMM') as month from risk_scores order by 1");
  scoreMonths = rows.map((row) => row.month);

  await migrate(db.url);
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

describe('the monthly-partitions migration', () => {
  it('started from a database with rows in every table across several months', () => {
    expect(scoreMonths.length).toBeGreaterThanOrEqual(5);
    for (const { table } of [...TABLES, ...UNCHANGED]) expect(before.get(table)!.print.rows, table).toBeGreaterThan(0);
  });

  it('keeps every row of every table, with its id and its values', async () => {
    for (const { table, id } of [...TABLES, ...UNCHANGED]) {
      const { columns, print } = before.get(table)!;
      expect(await fingerprint(db.pool, table, id, columns), table).toEqual(print);
    }
  });

  it('turns each high-volume table into monthly partitions, each row in its own month, none in the default partition', async () => {
    expect(await partitionedTables(db.pool)).toEqual(TABLES.map((t) => t.table));
    for (const { table, key } of TABLES) {
      const { rows } = await db.pool.query<{ misplaced: number; in_default: number }>(
        `select count(*) filter (where t.tableoid::regclass::text <> '${table}_p' || to_char(t.${key} at time zone 'UTC', 'YYYYMM'))::int as misplaced,
                count(*) filter (where t.tableoid::regclass::text = '${table}_default')::int as in_default
           from ${table} t`,
      );
      expect(rows[0], table).toEqual({ misplaced: 0, in_default: 0 });
    }
    const { rows: months } = await db.pool.query<{ name: string }>(
      "select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'risk_scores'::regclass order by 1",
    );
    expect(months.map((m) => m.name)).toEqual(expect.arrayContaining(scoreMonths.map((month) => `risk_scores_p${month}`)));
  });

  it("gives each delivery and notification its intervention's date", async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from (
         select d.intervention_date = i.intervention_date as same from deliveries d join interventions i using (intervention_id)
         union all
         select n.intervention_date = d.intervention_date from notifications n join deliveries d using (delivery_id)) as t
        where not same`,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('continues every id sequence after the ids it copied', async () => {
    const { rows } = await db.pool.query<{ decision_id: number }>(
      `insert into decisions (customer_id, score_date, risk_score, outcome, trend, policy_version, decided_at)
       values ('P0000001', '2026-11-21T00:00:00Z', 0.5, 'no_intervention', 'stable_low', 'v-after', now()) returning decision_id`,
    );
    expect(rows[0]!.decision_id).toBeGreaterThan(before.get('decisions')!.print.maxId);
    await db.pool.query("delete from decisions where policy_version = 'v-after'");
  });

  it('still refuses a second decision for a (customer, score_date)', async () => {
    const { rows } = await db.pool.query<{ customer_id: string; score_date: Date }>('select customer_id, score_date from decisions order by decision_id limit 1');
    const existing = rows[0]!;
    expect(
      await errorCode(() =>
        db.pool.query(
          `insert into decisions (customer_id, score_date, risk_score, outcome, trend, policy_version, decided_at)
           values ($1, $2, 0.5, 'no_intervention', 'stable_low', 'v-after', now())`,
          [existing.customer_id, existing.score_date],
        ),
      ),
    ).toBe('23505');
    const recorded = await recordDecisions(db.pool, [
      { customerId: existing.customer_id, scoreDate: existing.score_date, riskScore: 0.5, outcome: 'no_intervention', reason: 'below_threshold', trend: 'stable_low', policyVersion: 'v-after', strategy: DEFAULT_STRATEGY_NAME, decidedAt: new Date(), intervention: null },
    ]);
    expect(recorded.decisionIds.size).toBe(0);
  });

  it('still refuses a second delivery, or a second notification, for one intervention and channel', async () => {
    const { rows } = await db.pool.query<{ delivery_id: number; intervention_id: number; customer_id: string; intervention_date: Date }>(
      "select delivery_id, intervention_id, customer_id, intervention_date from deliveries where channel = 'app_notification' order by delivery_id limit 1",
    );
    const d = rows[0]!;
    const addDelivery = (date: Date) =>
      db.pool.query("insert into deliveries (intervention_id, intervention_date, customer_id, channel) values ($1, $2, $3, 'app_notification')", [d.intervention_id, date, d.customer_id]);
    expect(await errorCode(() => addDelivery(d.intervention_date))).toBe('23505');
    // Another date cannot slip it into another partition: the date must be the intervention's.
    expect(await errorCode(() => addDelivery(new Date(d.intervention_date.getTime() + 40 * 86_400_000)))).toBe('23503');

    const addNotification = (date: Date) =>
      db.pool.query("insert into notifications (delivery_id, intervention_id, intervention_date, customer_id, title, body) values ($1, $2, $3, $4, 'again', 'again')", [
        d.delivery_id,
        d.intervention_id,
        date,
        d.customer_id,
      ]);
    expect(await errorCode(() => addNotification(d.intervention_date))).toBe('23505');
    expect(await errorCode(() => addNotification(new Date(d.intervention_date.getTime() - 40 * 86_400_000)))).toBe('23503');
  });

  it('stores a provider event once when its retry arrives in the next month, or twice at the same moment', async () => {
    const { rows } = await db.pool.query<{ delivery_id: number }>("select delivery_id from deliveries where channel = 'email' order by delivery_id limit 1");
    const delivery = await findDeliveryRef(db.pool, rows[0]!.delivery_id);
    const noEffect = { status: null, suppress: null, response: null, error: null };
    const apply = (eventKey: string, at: Date) =>
      withTransaction(db.pool, (client) => applyDeliveryEvent(client, { provider: 'sendgrid', eventKey, eventType: 'open', deliveryId: delivery!.deliveryId, payload: { event: 'open' } }, delivery, noEffect, null, at));

    expect(await apply('sg-open-late', new Date('2026-11-30T23:59:00Z'))).toBe(true);
    expect(await apply('sg-open-late', new Date('2026-12-01T00:01:00Z'))).toBe(false);
    const racing = await Promise.all([1, 2, 3, 4].map(() => apply('sg-open-race', new Date('2026-12-01T00:02:00Z'))));
    expect(racing.filter(Boolean)).toHaveLength(1);
    const { rows: stored } = await db.pool.query<{ n: number }>("select count(*)::int as n from delivery_events where event_key in ('sg-open-late', 'sg-open-race')");
    expect(stored[0]!.n).toBe(2);
  });

  it("decides a new batch through the engine's own code, once, into the batch's month", async () => {
    const scoreDate = new Date('2026-11-21T00:00:00Z');
    const { rows } = await db.pool.query<{ customer_id: string }>("select customer_id from customers where customer_id like 'P%' order by 1 limit 60");
    await insertScoreHistory(db.pool, rows.map((row, n) => ({ customerId: row.customer_id, riskScore: 0.5 + (n % 5) / 10, scoreDate })));
    const refs = rows.map((row) => ({ customerId: row.customer_id, scoreDate: scoreDate.toISOString() }));
    await seedStrategies(db.pool, loadPolicyFile(undefined), new Date());
    const deps = {
      pool: db.pool,
      strategies: liveStrategies({ salt: DEFAULT_ASSIGNMENT_SALT }),
      clock: fixedClock(new Date('2026-11-21T09:00:00Z')),
      messages: { publicBaseUrl: 'https://engine.example', signingSecret: 'test-signing-secret-0123456789', sender: { name: 'Care', email: 'care@example.com', phone: '+18005550100', helpUrl: 'https://engine.example/help' } },
    };
    const first = await evaluateScores(deps, refs);
    const again = await evaluateScores(deps, refs);
    expect(first.decided).toBe(60);
    expect(again).toMatchObject({ decided: 0, alreadyDecided: 60 });
    const { rows: placed } = await db.pool.query<{ partition: string; n: number }>(
      `select tableoid::regclass::text as partition, count(*)::int as n from decisions where score_date = $1 group by 1
       union all
       select tableoid::regclass::text, count(*)::int from deliveries where intervention_date = $2 group by 1`,
      [scoreDate, new Date('2026-11-21T09:00:00Z')],
    );
    expect(placed.map((p) => p.partition)).toEqual(['decisions_p202611', 'deliveries_p202611']);
    expect(placed[0]!.n).toBe(60);
  });
});

describe('a risk_scores table that the lender created before the engine', () => {
  let lender: TestDatabase;

  beforeAll(async () => {
    lender = await createTestDatabase({ empty: true });
    await lender.pool.query('create table risk_scores (customer_id text, risk_score numeric, risk_level text, score_date timestamptz, explanation jsonb, batch_id uuid)');
    await lender.pool.query("insert into risk_scores values ('L1', 0.4, 'medium', '2026-06-01T00:00:00Z', null, null)");
    await migrate(lender.url);
  }, 60_000);

  afterAll(async () => {
    await lender?.drop();
  });

  it('is left unpartitioned with its rows, while the engine partitions its own tables', async () => {
    const { rows } = await lender.pool.query<{ relkind: string; n: number }>(
      "select relkind::text, (select count(*)::int from risk_scores) as n from pg_class where oid = 'risk_scores'::regclass",
    );
    expect(rows[0]).toEqual({ relkind: 'r', n: 1 });
    expect(await partitionedTables(lender.pool)).toEqual(['decisions', 'deliveries', 'notifications', 'delivery_events']);
  });
});

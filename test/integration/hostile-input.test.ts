// Input from a careless client or an attacker: a bad row costs only itself and is reported with
// its index and reason, whatever the database would have said of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { upsertCustomers } from '../../src/db/portfolio.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

const clock = fixedClock(new Date('2026-11-25T14:00:00Z'));
let engine: TestEngine;

beforeAll(async () => {
  engine = await startTestEngine({ clock, web: true, workers: false });
  await upsertCustomers(
    engine.db.pool,
    ['H1', 'H2', 'H3', 'REFUSED'].map((id) => ({ customerId: id, fullName: `Customer ${id}`, email: null, phone: null, timezone: 'UTC', locale: 'en', smsConsent: false })),
  );
});

afterAll(async () => {
  await engine?.close();
});

async function storedScores(day: string) {
  const { rows } = await engine.db.pool.query<{ customer_id: string }>(
    "select customer_id from risk_scores where score_date >= $1::date and score_date < $1::date + 1 order by customer_id",
    [day],
  );
  return rows.map((row) => row.customer_id);
}

describe('POST /risk_scores with hostile rows', () => {
  it('stores the good rows and reports each bad one (NUL, deep explanation, roll-over date, a date years ahead, hex score) by index and field', async () => {
    const deep = 'DEEP';
    const rows = [
        { customer_id: 'H1', risk_score: 0.4, score_date: '2026-11-01' },
        { customer_id: 'H2', risk_score: 0.4, score_date: '2026-11-01', risk_level: 'hi\u0000gh' },
        { customer_id: 'H3', risk_score: 0.4, score_date: '2026-11-01', explanation: deep },
        { customer_id: 'H2', risk_score: 0.4, score_date: '2026-02-30' },
        { customer_id: 'H2', risk_score: 0.4, score_date: '9999-12-31' },
        { customer_id: 'H3', risk_score: '0x1', score_date: '2026-11-02' },
        { customer_id: 'H3', risk_score: 0.4, score_date: '2026-11-01', explanation: { ['k\ud800']: 1 } },
        { customer_id: 'H2', risk_score: '0.5', score_date: '2026-11-01' },
    ];
    // Written as text: JSON.stringify itself overflows on 5,000 levels.
    const body = JSON.stringify(rows).replace('"DEEP"', `{"top_drivers":[],"x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    const res = await engine.api('/risk_scores', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
    expect(answer.accepted).toBe(2);
    expect(answer.rejected.map((r) => [r.index, r.error.split(':')[0]])).toEqual([
      [1, 'risk_level'],
      [2, 'explanation'],
      [3, 'score_date'],
      [4, 'score_date'],
      [5, 'risk_score'],
      [6, 'explanation'],
    ]);
    expect(await storedScores('2026-11-01')).toEqual(['H1', 'H2']);
  });

  it('stores the rest of the batch when the database itself refuses one row, and reports that row', async () => {
    await engine.db.pool.query(`
      create function refuse_one_score() returns trigger language plpgsql as $$
      begin
        if new.customer_id = 'REFUSED' then raise exception 'value refused for this test' using errcode = '22023'; end if;
        return new;
      end $$;
      create trigger refuse_one_score before insert on risk_scores for each row execute function refuse_one_score();`);
    try {
      const rows = ['H1', 'H2', 'REFUSED', 'H3'].map((id) => ({ customer_id: id, risk_score: 0.5, score_date: '2026-11-10' }));
      const res = await engine.api('/risk_scores', { method: 'POST', json: rows });
      expect(res.status).toBe(202);
      const body = (await res.json()) as { accepted: number; rejected: { index: number; error: string }[] };
      expect(body.accepted).toBe(3);
      expect(body.rejected).toEqual([{ index: 2, error: 'could not be stored: value refused for this test' }]);
      expect(await storedScores('2026-11-10')).toEqual(['H1', 'H2', 'H3']);
    } finally {
      await engine.db.pool.query('drop trigger refuse_one_score on risk_scores; drop function refuse_one_score()');
    }
  });
});

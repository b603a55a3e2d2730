// sweep-responses: interventions whose contact window passed with no engagement are recorded
// as no_response (set-based, idempotent: a row that has a response is never touched).
import type { Clock } from '../src/clock.js';
import type { Pool } from '../src/db/pool.js';
import { recordNoResponses } from '../src/db/responses.js';
import type { Logger } from '../src/logger.js';
import type { LiveStrategies } from '../src/strategies/live-strategies.js';

export const RESPONSES_SWEEP_EVERY_MS = 15 * 60_000;

export function sweepResponsesProcessor(deps: { pool: Pool; strategies: LiveStrategies; clock: Clock; logger: Logger }) {
  return async (): Promise<{ noResponse: number }> => {
    // Every strategy has the same response window (a rule the set shares): the champion's is theirs.
    const { champion } = await deps.strategies.current(deps.pool);
    const noResponse = await recordNoResponses(deps.pool, champion.policy.responseWindowDays, deps.clock.now());
    if (noResponse) deps.logger.info({ no_response: noResponse }, 'contact windows passed without engagement');
    return { noResponse };
  };
}

// evaluate-customer: decide each score of the job, then hand the new deliveries to their
// channel queues. Enqueueing after the commit is safe: a retry re-enqueues pending ones.
import type { Job } from 'bullmq';
import { evaluateScores, type EvaluationDeps, type EvaluationResult } from '../src/evaluation/evaluate-scores.js';
import type { Channel } from '../src/domain/types.js';
import type { Logger } from '../src/logger.js';
import type { EvaluateJobData } from '../src/queues/names.js';
import { enqueueDeliveries, type Queues } from '../src/queues/queues.js';

export interface EvaluateJobResult {
  decided: number;
  alreadyDecided: number;
  deliveries: number;
}

export function evaluateCustomerProcessor(
  deps: EvaluationDeps & { queues: Queues; deliveryBatchSizes: Record<Channel, number>; logger: Logger; onEvaluated?: (result: EvaluationResult) => void },
) {
  return async (job: Job<EvaluateJobData>): Promise<EvaluateJobResult> => {
    const result = await evaluateScores(deps, job.data.scores);
    await enqueueDeliveries(deps.queues, result.deliveries, deps.deliveryBatchSizes, job.id ?? `evaluate-${Date.now()}`);
    deps.onEvaluated?.(result);
    deps.logger.debug({ job_id: job.id, decided: result.decided, deliveries: result.deliveries.length }, 'scores evaluated');
    return { decided: result.decided, alreadyDecided: result.alreadyDecided, deliveries: result.deliveries.length };
  };
}

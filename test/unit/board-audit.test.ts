// Bull Board's API requests read as audit actions, the same way Bull Board's router reads them:
// a queue's verbs before a job id; nothing unknown goes unrecorded.
import { describe, expect, it } from 'vitest';
import { boardAction } from '../../src/web/audit.js';

describe('boardAction', () => {
  it.each([
    ['PUT', '/api/queues/deliver-email/retry/failed', { action: 'queue.retry', subject: 'deliver-email', details: { status: 'failed' } }],
    ['PUT', '/api/queues/deliver-email/clean/completed', { action: 'queue.clean', subject: 'deliver-email', details: { status: 'completed' } }],
    ['PUT', '/api/queues/deliver-sms/promote', { action: 'queue.promote', subject: 'deliver-sms', details: {} }],
    ['PUT', '/api/queues/deliver-sms/pause', { action: 'queue.pause', subject: 'deliver-sms', details: {} }],
    ['PUT', '/api/queues/deliver-sms/resume', { action: 'queue.resume', subject: 'deliver-sms', details: {} }],
    ['PUT', '/api/queues/deliver-sms/empty', { action: 'queue.empty', subject: 'deliver-sms', details: {} }],
    ['PUT', '/api/queues/deliver-sms/obliterate', { action: 'queue.obliterate', subject: 'deliver-sms', details: {} }],
    ['PUT', '/api/queues/deliver-sms/concurrency', { action: 'queue.concurrency', subject: 'deliver-sms', details: {} }],
    ['PUT', '/api/queues/deliver-sms/rate-limit/release', { action: 'queue.rate_limit_release', subject: 'deliver-sms', details: {} }],
    ['POST', '/api/queues/deliver-sms/add', { action: 'queue.add', subject: 'deliver-sms', details: {} }],
    ['PUT', '/api/queues/metrics-snapshot/job-schedulers/every-hour/remove', { action: 'queue.job_scheduler_remove', subject: 'metrics-snapshot', details: { scheduler_id: 'every-hour' } }],
    ['PATCH', '/api/queues/metrics-snapshot/job-schedulers/every-hour', { action: 'queue.job_scheduler_update', subject: 'metrics-snapshot', details: { scheduler_id: 'every-hour' } }],
    ['PUT', '/api/queues/evaluate-customer/42/retry', { action: 'job.retry', subject: 'evaluate-customer', details: { job_id: '42' } }],
    ['PUT', '/api/queues/evaluate-customer/42/clean', { action: 'job.clean', subject: 'evaluate-customer', details: { job_id: '42' } }],
    ['PUT', '/api/queues/evaluate-customer/42/promote', { action: 'job.promote', subject: 'evaluate-customer', details: { job_id: '42' } }],
    ['PATCH', '/api/queues/evaluate-customer/42/update-data', { action: 'job.update_data', subject: 'evaluate-customer', details: { job_id: '42' } }],
    ['PUT', '/api/queues/evaluate-customer/e%3AC1%3A2026/clean', { action: 'job.clean', subject: 'evaluate-customer', details: { job_id: 'e:C1:2026' } }],
    ['PUT', '/api/queues/pause', { action: 'queues.pause', subject: null, details: {} }],
    ['PUT', '/api/queues/resume', { action: 'queues.resume', subject: null, details: {} }],
    ['POST', '/api/metrics/history/purge', { action: 'queues.history_purge', subject: null, details: {} }],
    ['PUT', '/api/something/new', { action: 'queue.request', subject: null, details: { method: 'PUT', path: '/api/something/new' } }],
    ['PUT', '/api/queues/%E0%A4%A/pause', { action: 'queue.pause', subject: '%E0%A4%A', details: {} }],
  ])('%s %s', (method, path, expected) => {
    expect(boardAction(method, path)).toEqual(expected);
  });
});

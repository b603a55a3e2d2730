import { createHash } from 'node:crypto';

// Where tests find the local services (the same defaults as the product's configuration).
export const SERVER_URL = (process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// One template per checkout, so that test runs of two checkouts on one machine cannot collide.
export const TEMPLATE_DB = `ie_test_template_${createHash('sha256').update(process.cwd()).digest('hex').slice(0, 8)}`;

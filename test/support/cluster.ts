// The local Redis Cluster of `npm run cluster:up` (scripts/cluster.sh) as the cluster tests see
// it: whether it answers, which master serves a queue's slot, and healing it after a test killed
// a master.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { detectRedisTopology } from '../../src/queues/connection.js';
import { bullPrefix, type QueueName } from '../../src/queues/names.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/** The cluster's seeds: every node of scripts/cluster.sh, so that any one alive will do. */
export const CLUSTER_URL = process.env.TEST_REDIS_CLUSTER_URL ?? [7000, 7001, 7002, 7003, 7004, 7005].map((port) => `redis://127.0.0.1:${port}`).join(',');

/**
 * Fails, with one line that says how to start it, when no Redis Cluster answers. With `heal`, it
 * mends one that answers but lost a node (scripts/cluster.sh up restarts it, as a replica, and
 * waits until every slot is served by a master with a replica); only the file that kills masters
 * heals, as restarting a master before its replica has taken over would empty its slots.
 */
export async function requireCluster(options: { heal?: boolean } = {}): Promise<void> {
  const topology = await detectRedisTopology(CLUSTER_URL, 1_000).catch(() => null);
  if (!topology?.cluster) throw new Error('no Redis Cluster answers at 127.0.0.1:7000-7005: start one with `npm run cluster:up`');
  if (options.heal) await healCluster();
}

export async function healCluster(): Promise<void> {
  await run(path.join(ROOT, 'scripts/cluster.sh'), ['up'], { cwd: ROOT, timeout: 60_000 });
}

export interface ClusterNode {
  id: string;
  /** host:port */
  address: string;
  port: number;
  master: boolean;
  failed: boolean;
  /** the master's id, for a replica */
  masterId: string | null;
  slots: [number, number][];
}

/** Asks the first node that answers, with a plain connection (node commands, no keys). */
async function askAnyNode<T>(ask: (node: Redis) => Promise<T>): Promise<T> {
  let lastError: unknown = new Error('no node answered');
  for (const seed of CLUSTER_URL.split(',')) {
    const node = new Redis(seed, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
    node.on('error', () => undefined);
    try {
      await node.connect();
      return await ask(node);
    } catch (error) {
      lastError = error;
    } finally {
      node.disconnect();
    }
  }
  throw lastError;
}

export async function clusterNodes(): Promise<ClusterNode[]> {
  const text = await askAnyNode((node) => node.call('CLUSTER', 'NODES') as Promise<string>);
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', masterId = '-', , , , , ...slots] = line.split(' ');
      const hostPort = address.split('@')[0] ?? '';
      return {
        id,
        address: hostPort,
        port: Number(hostPort.split(':')[1]),
        master: flags.split(',').includes('master'),
        failed: flags.split(',').includes('fail'),
        masterId: masterId === '-' ? null : masterId,
        slots: slots.filter((range) => !range.startsWith('[')).map((range) => {
          const [from, to] = range.split('-').map(Number);
          return [from!, to ?? from!] as [number, number];
        }),
      };
    });
}

/** The slot of a queue's keys: the hash slot of its hash tag. */
export async function queueSlot(queuePrefix: string, queue: QueueName): Promise<number> {
  return askAnyNode((node) => node.call('CLUSTER', 'KEYSLOT', bullPrefix(queuePrefix, queue)) as Promise<number>);
}

/** The master serving a slot now (one that has not failed). */
export async function masterOfSlot(slot: number): Promise<ClusterNode> {
  const master = (await clusterNodes()).find((node) => node.master && !node.failed && node.slots.some(([from, to]) => slot >= from && slot <= to));
  if (!master) throw new Error(`no master serves slot ${slot}`);
  return master;
}

/** The pid of the redis-server behind a node (a local cluster: the tests may kill it). */
export async function nodePid(port: number): Promise<number> {
  const node = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
  node.on('error', () => undefined);
  try {
    const info = await node.info('server');
    const pid = /^process_id:(\d+)/m.exec(info)?.[1];
    if (!pid) throw new Error(`node ${port} did not say its pid`);
    return Number(pid);
  } finally {
    node.disconnect();
  }
}

// The cluster tests' Redis Cluster, started for `npm test` as `npm run cluster:up` would start it
// (scripts/cluster.sh: 3 masters and 3 replicas on ports 7000-7005 from the machine's
// redis-server), so that a fresh machine needs no step of its own; it does nothing when one is
// already running and healthy.
import { healCluster } from './cluster.js';

export default async function setup(): Promise<void> {
  await healCluster();
}

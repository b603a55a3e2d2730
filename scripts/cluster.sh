#!/usr/bin/env bash
# A local Redis Cluster from the machine's own redis-server, for the cluster tests and for trying
# the engine on a cluster: 3 masters with one replica each on ports 7000-7005, no persistence,
# its files under /tmp/ie-redis-cluster. `up` does nothing when it already runs and is healthy,
# restarts a stopped node (which rejoins, as a replica when its replica took over its slots),
# and waits until the cluster serves every slot; `down` stops the nodes and removes the files.
set -euo pipefail

PORTS=(7000 7001 7002 7003 7004 7005)
DIR="${IE_CLUSTER_DIR:-/tmp/ie-redis-cluster}"
# How long a master may be silent before its replica takes over: short, so that the failover
# test waits seconds, not the default 15 s.
NODE_TIMEOUT_MS=1500

answers() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }

# Healthy: every node answers, the cluster serves every slot, and each of the 3 masters has a
# replica that is up.
healthy() {
  for port in "${PORTS[@]}"; do answers "$port" || return 1; done
  redis-cli -p "${PORTS[0]}" cluster info | grep -q '^cluster_state:ok' || return 1
  local nodes
  nodes=$(redis-cli -p "${PORTS[0]}" cluster nodes)
  [ "$(grep -c 'master' <<<"$nodes" | tr -d ' ')" = 3 ] || return 1
  [ "$(grep 'slave' <<<"$nodes" | grep -vc 'fail' | tr -d ' ')" = 3 ] || return 1
  ! grep -q 'fail' <<<"$nodes"
}

start_node() {
  local port=$1
  mkdir -p "$DIR/$port"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
    --cluster-enabled yes --cluster-config-file "$DIR/$port/nodes.conf" --cluster-node-timeout "$NODE_TIMEOUT_MS" \
    --save "" --appendonly no --dir "$DIR/$port" --logfile "$DIR/$port/redis.log" --pidfile "$DIR/$port/redis.pid"
}

wait_for() {
  local what=$1 seconds=$2
  shift 2
  for _ in $(seq 1 $((seconds * 10))); do
    "$@" && return 0
    sleep 0.1
  done
  echo "cluster: gave up waiting for $what after $seconds s (logs: $DIR/*/redis.log; try: npm run cluster:down && npm run cluster:up)" >&2
  return 1
}

all_answer() { for port in "${PORTS[@]}"; do answers "$port" || return 1; done; }

up() {
  command -v redis-server >/dev/null || { echo "cluster: redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
  if healthy; then
    echo "Redis Cluster already running on 127.0.0.1:${PORTS[0]}-${PORTS[-1]}"
    return 0
  fi
  for port in "${PORTS[@]}"; do answers "$port" || start_node "$port"; done
  wait_for "the nodes to answer" 10 all_answer
  # A cluster is created once; restarted nodes find each other again through their nodes.conf.
  if redis-cli -p "${PORTS[0]}" cluster info | grep -q '^cluster_slots_assigned:0'; then
    local nodes=()
    for port in "${PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
  fi
  wait_for "cluster_state:ok with a replica for each master" 30 healthy
  echo "Redis Cluster running on 127.0.0.1:${PORTS[0]}-${PORTS[-1]} (REDIS_URL=redis://127.0.0.1:${PORTS[0]})"
}

down() {
  for port in "${PORTS[@]}"; do
    if answers "$port"; then redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; fi
  done
  rm -rf "$DIR"
  echo "Redis Cluster stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *)
    echo "usage: scripts/cluster.sh up|down" >&2
    exit 2
    ;;
esac

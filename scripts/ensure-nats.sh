#!/usr/bin/env bash
# Make sure NATS with JetStream answers on 127.0.0.1:4222 (the pollution-source gateway's
# stream). Installs Debian's nats-server if missing and starts it with its JetStream storage
# under ./var/nats. Never skips silently: if it cannot be reached, say so (the tests then fail
# under CI=true).
set -uo pipefail
cd "$(dirname "$0")/.."
ready() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }
ready && exit 0
bash scripts/apt-install.sh nats-server || true
if command -v nats-server >/dev/null 2>&1; then
  mkdir -p var/nats
  setsid nohup nats-server -a 127.0.0.1 -p 4222 -js -sd "$PWD/var/nats" \
    -l "$PWD/var/nats/nats-server.log" >/dev/null 2>&1 < /dev/null &
  for _ in $(seq 1 40); do ready && exit 0; sleep 0.25; done
fi
echo "warning: NATS is not reachable on 127.0.0.1:4222; the gateway's tests will skip (or fail under CI=true)" >&2
exit 0

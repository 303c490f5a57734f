#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432. Starts an installed cluster if it is down.
# Never skips silently: if it cannot be reached, say so (the tests then fail under CI=true).
set -uo pipefail
ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
ready && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in $(seq 1 20); do ready && exit 0; sleep 0.5; done
fi
echo "warning: PostgreSQL is not reachable on 127.0.0.1:5432; its tests will skip (or fail under CI=true)" >&2
exit 0

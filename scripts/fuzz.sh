#!/usr/bin/env bash
# API fuzzing: schemathesis against the OpenAPI document a live server serves, bounded.
#
# A throwaway SQLite database with the demo data, a server on 127.0.0.1 (loopback only), an API
# token of the coordination office's administrator (so the authenticated paths are reached), then
# schemathesis with the conformance checks. Any failure (a 500, an undocumented status or content
# type, a body or header that does not match the schema) fails the run. Revoking a token is left
# out: the fuzzer would revoke its own (token ids are small integers) and test 401s from then on;
# tests/security covers that operation.
#
#   FUZZ_MAX_EXAMPLES  test cases per operation and phase (default 12)
#   FUZZ_MAX_TIME      wall-clock bound of schemathesis in seconds (default 120)
#   FUZZ_SEED          seed, for a reproducible run (default 1)
#   FUZZ_PORT          server port (default a free one)
#   FUZZ_REPORT_DIR    where the JUnit report goes (default a temporary folder, removed)
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-12}"
MAX_TIME="${FUZZ_MAX_TIME:-120}"
SEED="${FUZZ_SEED:-1}"
PORT="${FUZZ_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"

WORK="$(mktemp -d -t jjj-fuzz.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export JJJ_VAR_DIR="$WORK"
export JJJ_DATABASE_URL="sqlite:///$WORK/fuzz.db"
export JJJ_SECRET_KEY="fuzz-secret-key-not-for-production"
export JJJ_INSECURE_HTTP=1
unset JJJ_OWNER_DATABASE_URL JJJ_APP_ROLE
# Signed as a deployment is: audit checkpoints and credit reports need a signing key (without
# one a report is refused with 503, which schemathesis counts as a server error).
export JJJ_AUDIT_KEY_DIR="$WORK/audit-keys"
uv run jjj audit keys generate >/dev/null

started=$SECONDS
# The demo without the air history: importing it takes a minute and adds no operation.
uv run python - >"$WORK/demo.log" 2>&1 <<'PY' || { cat "$WORK/demo.log"; exit 1; }
from jingjinji import bootstrap, demo
from jingjinji.config import get_settings
from jingjinji.db import make_engine, make_session_factory

engine = make_engine(get_settings().database_url)
bootstrap.prepare_database(engine)
demo.ensure_loaded(make_session_factory(engine), options={"skip_air_history": True})
PY
TOKEN="$(uv run jjj accounts token --username office --name fuzz --days 1 2>&1 \
    | grep -oE 'jjj_[A-Za-z0-9_-]+' | head -n 1 || true)"
if [[ -z "$TOKEN" ]]; then
    echo "fuzz: could not create an API token for the office administrator" >&2
    exit 1
fi

uv run jjj serve --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    if python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" \
        >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/server.log"; exit 1; fi
    sleep 0.5
done
echo "fuzz: demo data and server ready in $((SECONDS - started)) s"

REPORT_DIR="${FUZZ_REPORT_DIR:-$WORK/report}"
# One worker: with two threads, hypothesis describing a strategy's lambda (ast.parse) raced the
# other thread's and CPython 3.11 raised "AST constructor recursion depth mismatch" (gh-106905,
# the AST state is shared by threads; fixed in 3.13), which failed a CI run with no server fault.
status=0
uv run schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --checks "$CHECKS" \
    --header "Authorization: Bearer $TOKEN" \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$MAX_TIME" \
    --seed "$SEED" \
    --phases examples,coverage,fuzzing \
    --workers 1 \
    --request-timeout 30 \
    --suppress-health-check all \
    --exclude-operation-id revoke_token_api_v1_tokens__token_id__delete \
    --report junit --report-dir "$REPORT_DIR" \
    --no-color || status=$?
echo "fuzz: finished in $((SECONDS - started)) s with status $status"
if [[ $status -ne 0 ]]; then
    echo "--- server log (last 40 lines) ---"
    tail -n 40 "$WORK/server.log"
fi
exit $status

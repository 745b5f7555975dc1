#!/usr/bin/env bash
# The HTTP fuzz tier: schemathesis (pinned, installed from PyPI into a venv)
# generates requests from `GET /openapi.json` of a `fsql serve` over the
# example project (a temporary copy of examples/payments, applied and
# materialized) and checks every response: no 5xx, every response in the
# documented status codes, content type and schema, 405 for undeclared
# methods, invalid requests refused. Seeded and bounded (a fixed number of
# examples per operation; about 1–3 minutes on 2 cores).
#
#   bash .ci/fuzz/http.sh            # locally, from anywhere
#   FUZZ_EXAMPLES=50 bash .ci/fuzz/http.sh   # a quicker run
#   FUZZ_SEED=7 bash .ci/fuzz/http.sh        # another seed
#
# Prints schemathesis's report, then as its last line `N passed, N failed`
# (generated test cases without and with a failure; an error of schemathesis
# itself counts as failed). Exits 0 only when nothing failed.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

SCHEMATHESIS_VERSION=4.32.5
SEED="${FUZZ_SEED:-20261207}"
EXAMPLES="${FUZZ_EXAMPLES:-300}"
VENV="${FUZZ_VENV:-${TMPDIR:-/tmp}/fsql-fuzz-venv-$SCHEMATHESIS_VERSION}"
TOKEN="fuzz-token"

fail() {
  echo "fuzz-http: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# 1. schemathesis, pinned, in its own venv (reused when it is already there).
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "installing schemathesis==$SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV" || fail "cannot create a venv at $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" || fail "cannot install schemathesis==$SCHEMATHESIS_VERSION"
fi

# 2. The example project in a temporary folder, applied and materialized.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fsql-fuzz-http-XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    # The server runs in a process group of its own (setsid): tsx starts node as a child, so killing one
    # process would leave the other serving after this script ends.
    kill -- "-$SERVER_PID" 2>/dev/null || kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
cp -r examples/payments "$WORK/project"
rm -rf "$WORK/project/.fsql" "$WORK/project/out"
fsql() { node "$ROOT/node_modules/tsx/dist/cli.mjs" "$ROOT/src/cli/bin.ts" "$@"; }
fsql apply "$WORK/project" > "$WORK/apply.log" 2>&1 || { cat "$WORK/apply.log"; fail "fsql apply failed"; }
fsql materialize "$WORK/project" --at '2024-04-28 00:00:00' > "$WORK/materialize.log" 2>&1 || { cat "$WORK/materialize.log"; fail "fsql materialize failed"; }

# 3. The server, on a free port of the loopback address, writes behind a token.
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
FSQL_TOKEN="$TOKEN" setsid node "$ROOT/node_modules/tsx/dist/cli.mjs" "$ROOT/src/cli/bin.ts" serve "$WORK/project" --host 127.0.0.1 --port "$PORT" > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  if curl -fsS "$URL/health" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/serve.log"; fail "fsql serve exited"; fi
  sleep 0.5
done
curl -fsS "$URL/health" > /dev/null 2>&1 || { cat "$WORK/serve.log"; fail "fsql serve did not answer on $URL"; }

# 4. The run. positive_data_acceptance is left out: whether a key or an event is
# valid depends on the entity or source named in the path (its key columns and
# types), which one schema per route cannot say, so a schema-valid key for the
# wrong entity is rightly a 400 bad_key.
REPORT="$WORK/report"
mkdir -p "$REPORT"
timeout 900 "$VENV/bin/schemathesis" --config-file "$ROOT/.ci/fuzz/schemathesis.toml" run "$URL/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance \
  --header "Authorization: Bearer $TOKEN" \
  --seed "$SEED" --max-examples "$EXAMPLES" --workers 1 \
  --generation-database none --request-timeout 30 \
  --report json,junit --report-dir "$REPORT" --no-color
st_rc=$?

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  cat "$WORK/serve.log"
  fail "fsql serve died during the run"
fi
# The server writes the cause of every 500 to stderr: show them.
if grep -q "internal error" "$WORK/serve.log"; then
  echo "--- fsql serve stderr ---"
  cat "$WORK/serve.log"
fi

json="$(ls "$REPORT"/json-*.json 2>/dev/null | head -n 1)"
[ -n "$json" ] || fail "schemathesis wrote no report (exit $st_rc)"
read -r passed failed < <(python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["test_cases"]
errors = sum(e.get("count", 1) for e in r.get("errors", []))
failed = t["with_failures"] + t.get("errored", 0) + errors
print(max(0, t["generated"] - t["with_failures"] - t.get("errored", 0)), failed)
PY
)
if [ "$st_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo
echo "schemathesis (seed $SEED, $EXAMPLES examples per operation): $passed test cases passed, $failed failed"
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server mode, suite "all")
# against a Streamable HTTP MCP endpoint and prints its output plus a one-line total.
#
#   bash scripts/conformance.sh URL [--suite all|active|pending] [--scenario NAME] [--timeout MS]
#   bash scripts/conformance.sh          # no URL: starts test/fixtures/conformance-http-server.mjs and
#                                        # runs the suite against it (self-check of the fixture)
#
# Node 22 and the suite are installed on first use into .cache/node22 and .cache/conformance (see
# test/helpers/conformance.ts); the Node 22 binary is used by absolute path only, never put on PATH.
# Exit status: 0 when no check failed, 1 otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TSX="$ROOT/node_modules/.bin/tsx"
if [[ ! -x "$TSX" ]]; then
  echo "conformance: $TSX not found (run npm install first)" >&2
  exit 2
fi

URL=""
if [[ $# -gt 0 && "$1" != --* ]]; then
  URL="$1"
  shift
fi

FIXTURE_PID=""
cleanup() {
  if [[ -n "$FIXTURE_PID" ]]; then
    kill "$FIXTURE_PID" 2>/dev/null || true
    wait "$FIXTURE_PID" 2>/dev/null || true
  fi
  if [[ -n "${FIXTURE_OUT:-}" ]]; then
    rm -f "$FIXTURE_OUT"
  fi
  return 0
}
trap cleanup EXIT

if [[ -z "$URL" ]]; then
  FIXTURE_OUT="$(mktemp)"
  node test/fixtures/conformance-http-server.mjs --port 0 --transport streamable --quiet >"$FIXTURE_OUT" &
  FIXTURE_PID=$!
  PORT=""
  for _ in $(seq 1 100); do
    PORT="$(sed -n 's/^LISTENING \([0-9][0-9]*\)$/\1/p' "$FIXTURE_OUT")"
    [[ -n "$PORT" ]] && break
    if ! kill -0 "$FIXTURE_PID" 2>/dev/null; then
      echo "conformance: fixture server exited before listening" >&2
      exit 1
    fi
    sleep 0.1
  done
  if [[ -z "$PORT" ]]; then
    echo "conformance: fixture server did not print LISTENING within 10 s" >&2
    exit 1
  fi
  URL="http://127.0.0.1:${PORT}/mcp"
  echo "conformance: started fixture server at $URL"
fi

set +e
"$TSX" test/helpers/conformance.ts "$URL" "$@"
STATUS=$?
set -e
exit "$STATUS"

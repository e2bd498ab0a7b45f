#!/usr/bin/env bash
# The watch resume test at its full 2,000 events on DynamoDB (every backend is
# held to 2,000 random cuts and resumes). The main vitest run keeps DynamoDB at 300:
# each event costs ~6 moto requests and the shared moto answers every test
# file one request at a time, so 2,000 there took over 600 s. Here it gets a
# moto process of its own (port 5006) and the machine to itself.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

port="${NESTOR_MOTO_WATCH_PORT:-5006}"
# The moto this script starts is stopped when it ends (it keeps a core busy for a while after a run); one that
# already answered before is someone else's and stays.
if ! curl --silent --output /dev/null --max-time 2 "http://127.0.0.1:${port}/"; then
  trap 'kill "$(cat "/tmp/nestor-moto-${port}.pid")" 2>/dev/null || true' EXIT
fi
endpoint="$(NESTOR_MOTO_PORT="$port" bash scripts/services/moto.sh)"

NESTOR_TEST_DYNAMODB_ENDPOINT="$endpoint" \
NESTOR_TEST_WATCH_EVENTS_DYNAMODB="${NESTOR_TEST_WATCH_EVENTS_DYNAMODB:-2000}" \
  npx vitest run test/watch/resume.test.ts -t "resume on dynamodb"

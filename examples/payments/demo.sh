#!/usr/bin/env bash
# The example end to end on the embedded default (SQLite offline engine and
# online store): apply, push the sample app events, materialize, write a
# training set to a file, and print one online lookup. `npm run example`.
# Starts from a clean state each time (the project's .fsql/ folder).
set -euo pipefail
cd "$(dirname "$0")"
fsql() { node ../../bin/fsql.js "$@"; }

rm -rf .fsql out
mkdir -p out
echo '$ fsql apply'
fsql apply
echo
echo '$ fsql ingest app_events data/app_events.jsonl'
fsql ingest app_events data/app_events.jsonl
echo
echo "$ fsql materialize --at '2024-04-28 00:00:00'"
fsql materialize --at '2024-04-28 00:00:00'
echo
echo '$ fsql train fraud_detection --out out/fraud_detection.csv'
fsql train fraud_detection --out out/fraud_detection.csv
echo
echo '$ fsql get user u0115'
fsql get user u0115

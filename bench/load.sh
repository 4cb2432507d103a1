#!/usr/bin/env bash
# The load test (issue 10): `relance serve --workers N` (gunicorn) on the database named by
# RELANCE_DATABASE_URL, USERS locust users for DURATION, then p50 and p95 per page.
#
#   RELANCE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/relance_load make bench-load
#
# USERS (20), DURATION (2m), WORKERS (4), THREADS (2), PORT (8765), RELANCE_LOAD_THINK
# (1-3 seconds between a user's requests, bench/load.py); the results go to
# OUT (/tmp/relance-load). Users arrive SPAWN_RATE (2) a second, and the figures count
# from when the last has arrived (--reset-stats): twenty logins in the same second (each
# a deliberately slow password hash) would otherwise fill the first seconds' queue.
# Locust runs on the same machine as the server: on a small one, it takes some of the
# cores the server would have.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${RELANCE_DATABASE_URL:?name the database to load with RELANCE_DATABASE_URL}"
USERS=${USERS:-20}
DURATION=${DURATION:-2m}
WORKERS=${WORKERS:-4}
THREADS=${THREADS:-2}
PORT=${PORT:-8765}
SPAWN_RATE=${SPAWN_RATE:-2}
OUT=${OUT:-/tmp/relance-load}
mkdir -p "$OUT"

# Portal links are signed with the key: the setup and the server share one.
RELANCE_SECRET_KEY=$(.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))")
export RELANCE_SECRET_KEY RELANCE_LOAD_SETUP="$OUT/setup.json"
.venv/bin/python bench/load_setup.py "$RELANCE_LOAD_SETUP"

# Every user comes from 127.0.0.1: the per-address limits would refuse them.
RELANCE_PORTAL_RATE_PER_MINUTE=1000000 RELANCE_LOGIN_ATTEMPTS_PER_MINUTE=1000000 \
    .venv/bin/relance serve --port "$PORT" --workers "$WORKERS" --threads "$THREADS" \
    >"$OUT/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 120); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/login/" && break
    sleep 1
done

.venv/bin/locust -f bench/load.py --headless --users "$USERS" --spawn-rate "$SPAWN_RATE" \
    --reset-stats --run-time "$DURATION" --host "http://127.0.0.1:$PORT" --csv "$OUT/stats" \
    --only-summary --loglevel WARNING >"$OUT/locust.log" 2>&1 || true

.venv/bin/python - "$OUT/stats_stats.csv" "$USERS" "$WORKERS" <<'PY'
import csv, sys
path, users, workers = sys.argv[1:]
print(f"{users} users, {workers} server processes\n")
print("| request | requests | failures | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|---|")
rows = list(csv.DictReader(open(path)))
for row in rows[:-1] + [dict(rows[-1], Type="all", Name="requests")]:
    print(f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
          f"{row['50%']} | {row['95%']} | {float(row['Max Response Time']):.0f} |")
PY

#!/usr/bin/env bash
# Import benchmark: 100,000 customers and 1,000,000 invoices into a fresh database, then
# the same invoices file again (every row unchanged).
#   bench/import.sh sqlite:////tmp/bench.sqlite3
#   bench/import.sh postgresql://postgres@127.0.0.1:5432/relance_bench   (database must exist, empty)
set -euo pipefail
cd "$(dirname "$0")/.."
export RELANCE_DATABASE_URL=${1:?database URL}
[ -f bench/data/invoices.csv ] || .venv/bin/python bench/make_files.py --out bench/data
R=.venv/bin/relance
$R init >/dev/null
for step in "customers bench/data/customers.csv" "invoices bench/data/invoices.csv" "invoices bench/data/invoices.csv"; do
    set -- $step
    /usr/bin/time -f "  $1: %e s, peak %M KB" $R import "$1" "$2"
done

#!/usr/bin/env bash
# The tests from nothing: set up .venv/ with the test tools, make sure Chromium and PostgreSQL are
# there, then run the whole suite (SQLite and PostgreSQL, browser tests in Debian's chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests ..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation) >/dev/null
fi

pg_url=${MISPER_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
fi
if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
  export MISPER_TEST_POSTGRES_URL="$pg_url"
else
  echo "warning: no PostgreSQL at 127.0.0.1:5432; its test variants will be skipped" >&2
fi

# The lint and type gate first: it takes seconds and names the file and line.
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy

# Two workers taking tests one by one, in an order shuffled afresh at every run (the seed is printed
# in the header; pass --random-order-seed=N to repeat one); `-n 0` runs the suite in one process.
exec .venv/bin/python -m pytest -p no:cacheprovider -n 2 --dist worksteal \
  --random-order-seed="$(( (RANDOM << 15) | RANDOM ))" "$@"

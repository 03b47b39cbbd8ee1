#!/usr/bin/env bash
# The main job from nothing: set up .venv/, then `misper demo` (synthetic data, report, case system).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/misper demo "$@"

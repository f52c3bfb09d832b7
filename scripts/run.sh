#!/usr/bin/env bash
# One command: set up, then ingest the bundled sample into ./warlog.db and print the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
warlog run examples/ "$@"

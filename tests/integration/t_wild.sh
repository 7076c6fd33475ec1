#!/usr/bin/env bash
# Every goroutine dump of the corpus of real pastes (tests/data/wild) reads right: counts, groups,
# frames, refusals, fingerprints — checked against sidecars established without leakscope.
set -euo pipefail
python3 "$ROOT/tests/integration/check_wild.py" "$LEAKSCOPE" "$ROOT/tests/data/wild"

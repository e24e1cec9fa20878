#!/usr/bin/env bash
# README command (2): installs what is missing, then runs the whole test suite
# (lint, type-check, build, unit and end-to-end tests).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Exported: the tests then fail, rather than skip, where a test tool (PostgreSQL) is missing.
export RHYTHMIX_TEST_TOOLS=1
"$root/scripts/setup.sh"
cd "$root"
exec npm test --silent

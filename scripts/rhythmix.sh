#!/usr/bin/env bash
# README command (1): installs what is missing, then runs the Rhythmix CLI with the given arguments.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
exec node "$root/bin/rhythmix.js" "$@"

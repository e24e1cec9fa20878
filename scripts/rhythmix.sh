#!/usr/bin/env bash
# README command (1): installs what is missing, then runs the Rhythmix CLI with the given arguments.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
# Huge pages for glibc malloc, as the bot's compose jobs get them (src/util/huge-pages.ts):
# a render's PCM is mapped with a few page faults instead of thousands.
case ":${GLIBC_TUNABLES:-}:" in
  *glibc.malloc.hugetlb*) ;;
  *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" ;;
esac
exec node "$root/bin/rhythmix.js" "$@"

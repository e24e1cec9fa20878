#!/usr/bin/env bash
# README command (1): installs what is missing, then runs the Rhythmix CLI with the given arguments.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
# glibc malloc tunables, as the bot's own children get them (src/util/malloc-tunables.ts): huge pages
# (a render's PCM is mapped with a few page faults instead of thousands) and, for a long-running
# bot, few arenas (RSS stays flat). A choice already in GLIBC_TUNABLES wins.
for tunable in glibc.malloc.hugetlb=1 glibc.malloc.arena_max=2; do
  case ":${GLIBC_TUNABLES:-}:" in
    *":${tunable%%=*}="*) ;;
    *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}$tunable" ;;
  esac
done
exec node "$root/bin/rhythmix.js" "$@"

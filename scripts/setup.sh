#!/usr/bin/env bash
# Installs what Rhythmix needs and is missing: Debian packages (as root or with sudo),
# then node_modules whenever package-lock.json changed, then the build.
# Idempotent and quiet when everything is in place. Sourced or run by the other scripts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(fluidsynth ffmpeg fluid-soundfont-gm fonts-dejavu-core openssl)
need_apt=()
command -v fluidsynth >/dev/null 2>&1 || need_apt+=(fluidsynth)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
compgen -G '/usr/share/sounds/sf2/*.sf2' >/dev/null || compgen -G '/usr/share/soundfonts/*.sf2' >/dev/null || need_apt+=(fluid-soundfont-gm)
# The Discord simulator's self-signed voice certificate (end-to-end tests).
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# The piano-roll picture's labels (resvg draws no text without a font file).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
# Test-only (scripts/test.sh sets it): clang and lld rebuild wasm/kernels.c to check the committed wasm.
if [ "${RHYTHMIX_TEST_TOOLS:-}" = 1 ]; then
  command -v clang >/dev/null 2>&1 || need_apt+=(clang)
  command -v wasm-ld >/dev/null 2>&1 || need_apt+=(lld)
  # A throwaway PostgreSQL server for the database tests (test/support/postgres.ts).
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1 || need_apt+=(postgresql)
  # The browser the web pages are tested in (npm run e2e:web, puppeteer-core drives it).
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  # A throwaway Redis server for BullMQ (test/support/redis.ts; npm run e2e:scale).
  command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
fi

if ((${#need_apt[@]})); then
  if [ "$(id -u)" = 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else sudo=(none); fi
  if [ "${sudo[0]:-}" = none ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing ${need_apt[*]} — install them with your package manager (Debian: apt-get install ${APT_PACKAGES[*]})" >&2
  else
    echo "setup: installing ${need_apt[*]} …" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
  fi
fi

if ! command -v node >/dev/null 2>&1; then
  echo "setup: Node.js 20.19 or newer is required (https://nodejs.org or your package manager)" >&2
  exit 1
fi

# Reinstall node_modules when the lock file is not the one they were installed from.
stamp=node_modules/.rhythmix-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci …" >&2
  npm ci --no-fund --no-audit --loglevel=error >&2
  echo "$want" >"$stamp"
elif [ ! -f dist/cli/main.js ]; then
  npm run --silent build >&2
fi

#!/usr/bin/env bash
# Validation NLL against training context (issue #13): trains the reference architecture on the
# JSB chorales (jsb-frames) from scratch with each window setting, two runs at a time on one
# thread each, equal tokens per batch (2,048), and prints one JSON line per run with the
# validation NLL after each epoch. Usage: scripts/context-length.sh [EPOCHS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
epochs="${1:-10}"
data=data/shards/jsb-bench
[ -f "$data/manifest.json" ] || node bin/rhythmix.js dataset build jsb-frames --out "$data" >&2
run() { # name, extra flags…
  local name="$1"; shift
  node bin/rhythmix.js train --data "$data" --out "data/runs/ctx-$name" --preset reference --epochs "$epochs" \
    --early-stopping 0 --threads 1 --seed 1 "$@" 2> "data/runs/ctx-$name.log" > /dev/null
  node -e '
    const card = JSON.parse(require("fs").readFileSync(process.argv[1] + "/checkpoint/state.json", "utf8"));
    console.log(JSON.stringify({ run: process.argv[2], validation_nll: card.history.map((h) => Number(h.validationNll.toFixed(4))), seconds: Math.round(card.trainingSeconds) }));
  ' "data/runs/ctx-$name" "$name"
}
run seq64 --seq-len 64 --batch 32 --no-stateful & run seq64-stateful --seq-len 64 --batch 32 --stateful & wait
run seq256 --seq-len 256 --batch 8 --no-stateful

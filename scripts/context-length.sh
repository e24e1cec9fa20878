#!/usr/bin/env bash
# Validation NLL against training context (issue #13): trains the reference architecture on the
# JSB chorales (jsb-frames) from scratch with each window setting, two runs at a time on one
# thread each, and prints one JSON line per run. Usage: scripts/context-length.sh [EPOCHS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
epochs="${1:-20}"
data=data/shards/jsb-bench
[ -f "$data/manifest.json" ] || node bin/rhythmix.js dataset build jsb-frames --out "$data" >&2
run() { # name, extra flags…
  local name="$1"; shift
  node bin/rhythmix.js train --data "$data" --out "data/runs/ctx-$name" --preset reference --epochs "$epochs" \
    --early-stopping 0 --threads 1 --seed 1 --json "$@" > "data/runs/ctx-$name.json" 2> "data/runs/ctx-$name.log"
  node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(JSON.stringify({run:process.argv[2],best_validation_nll:r.bestValidationNll??r.best_validation_nll,epochs:r.epochsCompleted??r.epochs,seconds:Math.round(r.trainingSeconds??r.seconds)}))' "data/runs/ctx-$name.json" "$name"
}
run seq64 --seq-len 64 --no-stateful & run seq64-stateful --seq-len 64 --stateful & wait
run seq256 --seq-len 256 --no-stateful & run seq128-stateful --seq-len 128 --stateful & wait

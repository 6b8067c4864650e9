#!/bin/sh
# The paper's findings on the procedural benchmark (docs/findings.md): one training run per setting on
# synth-chairs-64, the `cpu` preset, the same seed and data, and the same training-time budget
# (MINUTES per run, summed over resumes), one thread each so that two runs share the
# two cores evenly. Every run resumes where it stopped: call this again after an interruption.
#
#   scripts/findings/run.sh train NAME [NAME ...]   train (or resume) the named runs, in turn
#   scripts/findings/run.sh eval NAME [NAME ...]    sweep them at 1, 3 and 5 support views on test
#   scripts/findings/run.sh extend NAME [NAME ...]  a second stage: a new run NAME-long from NAME's
#                                                   last checkpoint (weights and Adam state), 50
#                                                   warm-up steps to 4e-4 and a cosine decay to
#                                                   4e-5, its length sized from NAME's own pace to
#                                                   fill MINUTES (the way the bundled model was made)
#   scripts/findings/run.sh list                    the settings
#
# Settings (every one: --rays 2048, query rays half on the object in every epoch, 100 warm-up
# steps, cosine over 900 steps, peak lr 5e-4, originScale 0.55, support 1-5, a val check of
# 4 objects x 2 draws every 150 steps (the second stage: 10 objects every 250), unless named):
#   full, no-sta, no-mfm   the variants (docs/model.md, "Variants")
#   ipc                    the paper's baseline: variant ipc with 1 decoder head
#   s1, s3, s5             the full model trained at a fixed support count
#   os1                    the full model with originScale 1
#   b16, b32               the full model with higher frequency bands: sigmas (16, 8), sigma_q 2;
#                          sigmas (32, 16), sigma_q 4 (the paper's: (8, 4), 2)
#   d256                   the full model with the paper's decoder width: d = dF = 256 (preset: 128)
# Environment: SEED (training seed, default 0: initialisation and data order), DATA (default
# data/synth-chairs-64), RUNS (default runs/findings, or runs/findings-seedN for SEED=N), MINUTES
# (default 60), WORKERS (default 1), DRAWS (default 10), OBJECTS (default 20), OUT (default
# out/findings/<NAME-NAME...>, with -seedN for SEED=N).
set -eu
cd "$(dirname "$0")/../.."
SEED=${SEED:-0}
DATA=${DATA:-data/synth-chairs-64}
if [ "$SEED" = 0 ]; then RUNS=${RUNS:-runs/findings}; else RUNS=${RUNS:-runs/findings-seed$SEED}; fi
MINUTES=${MINUTES:-60}
WORKERS=${WORKERS:-1}
DRAWS=${DRAWS:-10}
OBJECTS=${OBJECTS:-20}
COMMON="--preset cpu --rays 2048 --set train.foregroundEpochs=null --set train.warmupSteps=100 --steps 900 --set model.originScale=0.55"

settings() {
  case "$1" in
    full) echo "--variant full --support 1-5" ;;
    no-sta) echo "--variant no-sta --support 1-5" ;;
    no-mfm) echo "--variant no-mfm --support 1-5" ;;
    ipc) echo "--variant ipc --set model.decoderHeads=1 --support 1-5" ;;
    s1|s3|s5) echo "--variant full --support ${1#s}" ;;
    os1) echo "--variant full --support 1-5 --set model.originScale=1" ;;
    b16) echo "--variant full --support 1-5 --set model.sigmas=[16,8] --set model.sigmaQ=2" ;;
    b32) echo "--variant full --support 1-5 --set model.sigmas=[32,16] --set model.sigmaQ=4" ;;
    d256) echo "--variant full --support 1-5 --set model.decoderWidth=256 --set model.fourierWidth=256" ;;
    *) echo "unknown setting '$1' (see: $0 list)" >&2; exit 2 ;;
  esac
}

cmd=${1:-list}
[ $# -gt 0 ] && shift
case "$cmd" in
  list)
    for n in full no-sta no-mfm ipc s1 s3 s5 os1 b16 b32 d256; do echo "$n: $(settings "$n")"; done ;;
  train)
    [ $# -gt 0 ] || { echo "usage: $0 train NAME [NAME ...]" >&2; exit 2; }
    [ -d "$DATA" ] || node bin/lfkit.mjs synth --recipe synth-chairs-64 --out "$DATA"
    for n in "$@"; do
      s=$(settings "$n")
      if [ -f "$RUNS/$n/config.json" ]; then
        node bin/lfkit.mjs train --out "$RUNS/$n" --resume --data "$DATA" --minutes "$MINUTES" --workers "$WORKERS" --val-every 150 --val-objects 4 --checkpoint-every 50 --quiet
      else
        # shellcheck disable=SC2086
        node bin/lfkit.mjs train --data "$DATA" --category chairs $COMMON $s --seed "$SEED" --minutes "$MINUTES" --workers "$WORKERS" --val-every 150 --val-objects 4 --checkpoint-every 50 --out "$RUNS/$n" --quiet
      fi
    done ;;
  extend)
    [ $# -gt 0 ] || { echo "usage: $0 extend NAME [NAME ...]" >&2; exit 2; }
    for n in "$@"; do
      s=$(settings "$n")
      [ -f "$RUNS/$n/checkpoints/last/loop-state.json" ] || { echo "$RUNS/$n: train it first ($0 train $n)" >&2; exit 2; }
      if [ -f "$RUNS/$n-long/config.json" ]; then
        node bin/lfkit.mjs train --out "$RUNS/$n-long" --resume --data "$DATA" --minutes "$MINUTES" --workers "$WORKERS" --val-every 250 --val-objects 10 --checkpoint-every 50 --quiet
      else
        # steps that fill MINUTES at the pace of the first stage (seconds per step of its last record)
        steps=$(node -e '
          const fs = require("fs");
          const recs = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.kind === "train");
          const last = recs[recs.length - 1];
          console.log(Math.floor((process.argv[2] * 60) / (last.time / last.step) / 10) * 10);
        ' "$RUNS/$n/metrics.jsonl" "$MINUTES")
        echo "$n-long: $steps steps in $MINUTES minutes" >&2
        # shellcheck disable=SC2086
        node bin/lfkit.mjs train --init "$RUNS/$n/checkpoints/last" --data "$DATA" --category chairs $s --seed "$SEED" --rays 2048 \
          --set train.foregroundEpochs=null --set train.warmupSteps=50 --lr 4e-4 --set train.minLrRatio=0.1 --steps "$steps" \
          --minutes "$MINUTES" --workers "$WORKERS" --val-every 250 --val-objects 10 --checkpoint-every 50 --out "$RUNS/$n-long" --quiet
      fi
    done ;;
  eval)
    [ $# -gt 0 ] || { echo "usage: $0 eval NAME [NAME ...]" >&2; exit 2; }
    args=""
    for n in "$@"; do args="$args --run $RUNS/$n --label $n"; done
    suffix=""; [ "$SEED" = 0 ] || suffix="-seed$SEED"
    out=${OUT:-out/findings/$(echo "$@" | tr ' ' '-')$suffix}
    # shellcheck disable=SC2086
    node bin/lfkit.mjs sweep $args --data "$DATA" --support 1,3,5 --draws "$DRAWS" --objects "$OBJECTS" --out "$out" --quiet ;;
  *) echo "usage: [SEED=N] $0 list | train NAME... | extend NAME... | eval NAME..." >&2; exit 2 ;;
esac

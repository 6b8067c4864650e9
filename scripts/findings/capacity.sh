#!/bin/sh
# How much detail can the light-field decoder hold, by frequency band? (why thin legs are missing)
#
# Fits one object's light field directly: 13 of its training views (r_000, r_002, ... r_024 of
# test chair 2, a four-legged grey chair) as support views, Z and every
# decoder weight optimised with Adam (`lfkit render --tto-steps 2000 --tto-all`, lr 1e-3, 2,048
# rays per step), and reports the PSNR over those 13 views at 0, 500, 1,000 and 2,000 steps.
# No generalisation is asked for: this measures what the decoder can represent, not what it
# predicts. Models:
#   b8   the `cpu` preset as trained (sigmas (8, 4), sigma_q 2), freshly initialised
#   b16  sigmas (16, 8), sigma_q 2, freshly initialised
#   b32  sigmas (32, 16), sigma_q 4, freshly initialised
#   bundled  the bundled model (sigmas (8, 4), sigma_q 2; MODEL= another run or bundle)
#   bundled-z    the bundled model, Z only (decoder weights fixed: what the latent tokens can hold)
#   bundled-z-lr1e-2  the same with Adam lr 1e-2
#   bundled-none the bundled model from the same 13 support views, not fitted (no .json)
# "Freshly initialised" = one training step of batch 1 (a run folder to load); originScale 0.55
# for all, as the bundle. Writes out/findings/capacity/<name>.json (the `tto.json` of each)
# and <name>.png (fitted views: support row, predicted, ground truth). About 4 minutes per model
# on one core; two at a time.
#
#   scripts/findings/capacity.sh [NAME ...]      (default: all seven)
# Environment: DATA (default data/synth-chairs-64), WORK (default runs/capacity), OUT (default
# out/findings/capacity), STEPS (default 2000), MODEL (the run or bundle behind the
# bundled-* fits; default models/lfkit-chairs-cpu), JOBS (fits at a time; default 2).
set -eu
case "${1:-}" in -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/../.."
DATA=${DATA:-data/synth-chairs-64}
WORK=${WORK:-runs/capacity}
OUT=${OUT:-out/findings/capacity}
OBJECT=synth-chairs-s0-test-00002
STEPS=${STEPS:-2000}
MODEL=${MODEL:-models/lfkit-chairs-cpu}
JOBS=${JOBS:-2}
bands() {
  case "$1" in
    b8) echo "--set model.sigmas=[8,4] --set model.sigmaQ=2" ;;
    b16) echo "--set model.sigmas=[16,8] --set model.sigmaQ=2" ;;
    b32) echo "--set model.sigmas=[32,16] --set model.sigmaQ=4" ;;
    *) echo "unknown model '$1' (b8, b16, b32, bundled, bundled-z, bundled-z-lr1e-2, bundled-none)" >&2; exit 2 ;;
  esac
}

[ $# -gt 0 ] || set -- b8 b16 b32 bundled bundled-z bundled-z-lr1e-2 bundled-none
for n in "$@"; do case "$n" in bundled|bundled-z|bundled-z-lr1e-2|bundled-none) ;; *) bands "$n" > /dev/null ;; esac; done
[ -d "$DATA" ] || node bin/lfkit.mjs synth --recipe synth-chairs-64 --out "$DATA"
mkdir -p "$WORK" "$OUT"
SV=$(seq -s, 0 2 24)
# the 13 support views' cameras as a transforms.json next to their images, so that the fitted
# views are rendered with ground truth
node -e '
  const fs = require("fs"), path = require("path");
  const [src, dst, keep] = process.argv.slice(1);
  const t = JSON.parse(fs.readFileSync(src, "utf8"));
  const want = new Set(keep.split(",").map((i) => "r_" + String(i).padStart(3, "0")));
  t.frames = t.frames.filter((f) => want.has(path.basename(f.file_path).replace(/\.png$/, "")));
  t.frames.forEach((f) => { f.file_path = path.resolve(path.dirname(src), path.basename(f.file_path)); });
  fs.writeFileSync(dst, JSON.stringify(t));
' "$DATA/chairs/$OBJECT/transforms.json" "$WORK/support-views.json" "$SV"

fit() {
  n=$1
  tto="--tto-steps $STEPS --tto-all --tto-rays 2048 --tto-lr 1e-3"
  case "$n" in
    bundled-z) tto="--tto-steps $STEPS --tto-rays 2048 --tto-lr 1e-3" ;;
    bundled-z-lr1e-2) tto="--tto-steps $STEPS --tto-rays 2048 --tto-lr 1e-2" ;;
    bundled-none) tto="" ;;
  esac
  if [ "${n#bundled}" != "$n" ]; then
    run=$MODEL
    which=""
  else
    which="--checkpoint last"
    run=$WORK/init-$n
    # shellcheck disable=SC2046
    [ -d "$run/checkpoints/last" ] || node bin/lfkit.mjs train --data "$DATA" --category chairs --preset cpu $(bands "$n") \
      --set model.originScale=0.55 --batch 1 --rays 256 --support 3 --steps 1 --workers 1 --val-objects 1 --seed 0 --quiet --force --out "$run" > /dev/null
  fi
  # shellcheck disable=SC2086
  node bin/lfkit.mjs render --run "$run" $which --data "$DATA" --category chairs --object "$OBJECT" --support-views "$SV" \
    --poses "$WORK/support-views.json" --size 64 --workers 1 $tto --quiet \
    --out "$WORK/fit-$n" > "$WORK/fit-$n.log"
  cp "$WORK/fit-$n/grid.png" "$OUT/$n.png"
  if [ -n "$tto" ]; then
    cp "$WORK/fit-$n/tto.json" "$OUT/$n.json"
    echo "$n: $(grep -A4 'support PSNR' "$WORK/fit-$n.log" | tail -1)"
  else
    echo "$n: rendered, not fitted"
  fi
}

pids=""
for n in "$@"; do
  fit "$n" &
  pids="$pids $!"
  # JOBS at a time
  if [ "$(echo $pids | wc -w)" -ge "$JOBS" ]; then wait $pids; pids=""; fi
done
[ -z "$pids" ] || wait $pids

#!/usr/bin/env bash
# The zoo scan against single analyses: a folder of N models (default 100: copies of the shared
# DeepLab and MediaPipe models, and of their fixed variants, in a temporary directory) scanned by
# one `analyze DIR --delegate all`, against the sum of N processes `analyze FILE --delegate all
# --sdk 29` (the same targets: NNAPI at API 29, both GPU delegates and XNNPACK) and of N processes with the
# default `--delegate all` (NNAPI at all 9 levels). Prints figures only (no pass/fail).
#   bash scripts/bench-zoo.sh          BENCH_MODELS=N (default 100), BENCH_ROUNDS=R (default 3, best of R)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_MODELS:-100}
ROUNDS=${BENCH_ROUNDS:-3}
SHARED=${DD_SHARED:-../shared}
say() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

cargo build --quiet --release
bin=target/release/delegate-doctor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
zoo=$tmp/zoo
mkdir -p "$zoo" "$tmp/variants"

# The sources: the shared models and, as variants, each one fixed for NNAPI at API 29 (a
# different graph where a fix applies, an unchanged copy otherwise).
sources=()
for m in "$SHARED"/models/deeplab/*.tflite "$SHARED"/models/mediapipe/*.tflite; do
  sources+=("$m")
  v=$tmp/variants/$(basename "$m" .tflite).fixed.tflite
  "$bin" fix "$m" -o "$v" >/dev/null
  sources+=("$v")
done
for i in $(seq 0 $((N - 1))); do
  src=${sources[$((i % ${#sources[@]}))]}
  cp "$src" "$zoo/$(printf '%03d' "$i")-$(basename "$src")"
done
say "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "$N models, $(du -sh "$zoo" | cut -f1) in $zoo ($(( ${#sources[@]} )) distinct files)"

now() { date +%s.%N; }
# The best of $ROUNDS runs of "$@" in seconds.
best() {
  local best_t=
  for _ in $(seq "$ROUNDS"); do
    local t0 t1
    t0=$(now)
    "$@" >/dev/null
    t1=$(now)
    best_t=$(python3 -c "a='$best_t'; t=$t1-$t0; print(t if not a or t<float(a) else a)")
  done
  echo "$best_t"
}
singles() {
  for f in "$zoo"/*.tflite; do "$bin" analyze "$f" "$@" >/dev/null; done
}

scan=$(best "$bin" analyze "$zoo" --delegate all --format jsonl)
same=$(best singles --delegate all --sdk 29 --format json)
full=$(best singles --delegate all --format json)
python3 - "$N" "$scan" "$same" "$full" <<'EOF'
import sys
n, scan, same, full = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"zoo scan   analyze DIR --delegate all                  {scan:7.2f} s  ({scan / n * 1000:6.1f} ms a model; analysis + fix planning, 4 targets)")
print(f"singles    {n} x analyze FILE --delegate all --sdk 29  {same:7.2f} s  ({same / n * 1000:6.1f} ms a model; the same 4 targets, no fix planning)")
print(f"singles    {n} x analyze FILE --delegate all           {full:7.2f} s  ({full / n * 1000:6.1f} ms a model; NNAPI at 9 levels + 2 GPU + XNNPACK)")
print(f"ratio zoo / sum of singles (same targets): {scan / same:.2f}")
print(f"ratio zoo / sum of singles (--delegate all, 9 levels): {scan / full:.2f}")
EOF

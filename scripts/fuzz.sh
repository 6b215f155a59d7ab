#!/usr/bin/env bash
# Bounded fuzzing of delegate-doctor with cargo-fuzz (libFuzzer). See docs/fuzzing.md.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 180; TARGETs default to "read analyze fix segment", run one after the
# other on one core. The corpus of each target (fuzz/corpus/TARGET, not committed) is seeded with
# fuzz/seeds/, tests/malformed/ and, when present, the DeepLab models in ../shared/models/deeplab.
# Crashes, timeouts and oversized allocations land in fuzz/artifacts/TARGET/; the script exits 1
# when any target found something. Environment: FUZZ_JOBS (parallel libFuzzer jobs per target,
# default 1), FUZZ_ARGS (extra libFuzzer flags).
#
# cargo-fuzz passes nightly-only flags (-Zsanitizer=address); RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them, so no nightly toolchain is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

budget=${1:-180}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(read analyze fix segment)
case "$budget" in ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --version '^0.13' --locked
fi
export RUSTC_BOOTSTRAP=1

cd fuzz
# `cargo fuzz run` builds each target first (release, debug assertions and overflow checks on,
# AddressSanitizer; about 4 minutes the first time, 1 minute after a change to the crate).

deeplab="$root/../shared/models/deeplab"
status=0
summary=()
for t in "${targets[@]}"; do
  corpus="corpus/$t"
  mkdir -p "$corpus" "artifacts/$t"
  cp -n seeds/* "$corpus/" 2>/dev/null || true
  find "$root/tests/malformed" -type f ! -name expected.tsv -exec cp -n {} "$corpus/" \;
  if [ -d "$deeplab" ]; then
    for f in "$deeplab"/*.tflite; do cp -n "$f" "$corpus/" && chmod u+w "$corpus/$(basename "$f")"; done
  fi
  before=$(ls "artifacts/$t" | wc -l)
  log="artifacts/$t.log"
  echo "== fuzzing $t for ${budget}s (log: fuzz/$log)"
  # -timeout: an input taking over 10 s is a hang; -malloc_limit_mb: one allocation over 1 GiB is a
  # finding (sizes read from the file must not decide allocations); -max_len: room for DeepLab.
  jobs=${FUZZ_JOBS:-1}
  parallel=()
  # With -jobs, libFuzzer runs workers that log to fuzz-N.log in the current directory.
  [ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
  rm -f fuzz-*.log
  set +e
  # shellcheck disable=SC2086
  cargo fuzz run -O -a "$t" "$corpus" -- \
    -max_total_time="$budget" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=1024 \
    -max_len=2400000 -dict=tflite.dict -print_final_stats=1 "${parallel[@]}" ${FUZZ_ARGS:-} >"$log" 2>&1
  rc=$?
  set -e
  for w in fuzz-*.log; do [ -f "$w" ] && { cat "$w" >>"$log"; rm -f "$w"; }; done
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  after=$(ls "artifacts/$t" | wc -l)
  found=$((after - before))
  line="$t: ${budget}s, $execs execs, corpus $(ls "$corpus" | wc -l) files, exit $rc, new artifacts $found"
  echo "   $line"
  summary+=("$line")
  if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
    status=1
    grep -m3 -E 'panicked|ERROR: libFuzzer|SUMMARY' "$log" || true
  fi
done
echo "== summary"
printf '   %s\n' "${summary[@]}"
[ "$status" = 0 ] && echo "no findings" || echo "findings in fuzz/artifacts/ (replay one: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -O -a TARGET FILE)"
exit "$status"

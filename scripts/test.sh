#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests, the wasm build, the browser tests in Debian's
# Chromium, and the checks against the real TFLite interpreter. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0; failed=0; status=0
log=$(mktemp -d)
count_cargo() {  # sums the "test result:" lines of cargo test
  local p f
  read -r p f < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;/) p += $i; if ($(i+1) ~ /^failed;/) f += $i } }
                       END { print p + 0, f + 0 }' "$1")
  passed=$((passed + p)); failed=$((failed + f))
}

echo "== cargo test"
cargo test --workspace 2>&1 | tee "$log/cargo.txt"
[ "${PIPESTATUS[0]}" = 0 ] || { status=1; grep -q '^test result:' "$log/cargo.txt" || failed=$((failed + 1)); }
count_cargo "$log/cargo.txt"

echo "== e2e fixtures"
cargo run -q --example make_fixtures || { status=1; failed=$((failed + 1)); }

echo "== building the site (wasm + page)"
if bash scripts/build.sh; then
  echo "== e2e (Playwright in /usr/bin/chromium)"
  node_modules/.bin/playwright test
  [ $? = 0 ] || status=1
  if [ -f test-results/e2e.json ]; then
    read -r p f < <(node -e 'const s=require("./test-results/e2e.json").stats; console.log((s.expected+s.flaky)+" "+s.unexpected)')
    passed=$((passed + p)); failed=$((failed + f))
  else
    failed=$((failed + 1))
  fi
else
  echo "site build failed"; status=1; failed=$((failed + 1))
fi

if [ -d tests/python ]; then
  echo "== checks with the real TFLite interpreter (ai-edge-litert)"
  .venv/bin/python -m unittest discover -s tests/python -v 2>&1 | tee "$log/py.txt"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  r=$(grep -E '^Ran [0-9]+ test' "$log/py.txt" | awk '{print $2}')
  fl=$(grep -oE '(failures|errors)=[0-9]+' "$log/py.txt" | cut -d= -f2 | awk '{ s += $1 } END { print s + 0 }')
  passed=$((passed + ${r:-0} - ${fl:-0})); failed=$((failed + ${fl:-0}))
fi

# A bounded fuzz run (cargo-fuzz, four targets; DD_FUZZ_SECONDS per target, 0 skips it).
fuzz_seconds=${DD_FUZZ_SECONDS:-30}
if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzzing, ${fuzz_seconds}s per target (scripts/fuzz.sh)"
  if bash scripts/fuzz.sh "$fuzz_seconds"; then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] || status=1
exit $status

#!/usr/bin/env bash
# Sets everything up, builds the site and serves the playground on http://localhost:8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
echo "Delegate Doctor playground: http://localhost:8080  (Ctrl-C stops it)"
exec python3 -m http.server 8080 --bind 127.0.0.1 --directory dist

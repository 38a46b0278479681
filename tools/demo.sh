#!/usr/bin/env bash
# The README's demo command: installs what evs needs, builds it, and shows the event catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target evs >/dev/null
evs=build/evs
echo "== evs list: every event type in the catalog"
"$evs" list
echo
echo "== evs describe workflow.completed"
"$evs" describe workflow.completed
echo
echo "== evs uuid -n 3: time-ordered UUIDv7 ids"
"$evs" uuid -n 3

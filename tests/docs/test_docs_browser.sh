#!/usr/bin/env bash
# evs docs --html in headless Chromium (Debian's `chromium`, driven by npm puppeteer-core from
# tests/oracles): see tests/oracles/docs_browser.mjs. Skips (77) only when chromium or node is not installed or the npm
# packages cannot be installed; tools/install-deps.sh --tests installs both.
# usage: test_docs_browser.sh EVS ORACLES_DIR WORK_DIR
set -u
evs=$1 oracles=$2 work=$3
chromium=$(command -v chromium || command -v chromium-browser) ||
  { echo "SKIP: chromium is not installed (tools/install-deps.sh --tests installs it)"; exit 77; }
command -v node >/dev/null || { echo "SKIP: node not installed"; exit 77; }
if [ ! -d "$oracles/node_modules/puppeteer-core" ]; then
  (cd "$oracles" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) ||
    { echo "SKIP: npm ci in $oracles failed (offline?)"; exit 77; }
fi
rm -rf "$work" && mkdir -p "$work"
"$evs" docs --html "$work/catalog.html" || { echo "FAIL: evs docs --html"; exit 1; }
timeout 90 node "$oracles/docs_browser.mjs" "$chromium" "$work/catalog.html" "$work"
rc=$?
echo "screenshots: $work/docs-*.png"
exit $rc

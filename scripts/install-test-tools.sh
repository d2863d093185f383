#!/usr/bin/env bash
# What only the tests need: Debian's chromium for Playwright (never a browser download of its own)
# and axe-core from the npm registry for the accessibility check.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! [ -x /usr/bin/chromium ]; then
  echo "==> installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ -f package-lock.json ] && ! [ -f node_modules/axe-core/axe.min.js ]; then
  echo "==> installing axe-core"
  npm ci --silent --no-audit --no-fund
fi

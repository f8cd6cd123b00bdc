#!/usr/bin/env bash
# Makes everything the browser tests need exist on a fresh machine:
#   - dashboard/node_modules (npm ci), to check that the committed twilio-video
#     bundle in dashboard/assets/vendor/ is what the pinned package gives;
#   - tests/browser/node_modules (npm ci: playwright-core, no browser download);
#   - Debian's chromium at /usr/bin/chromium (apt-get).
# Idempotent: does nothing that is already done. Never downloads a browser
# through npm (no `playwright install`, no puppeteer).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if ! command -v npm >/dev/null; then
  echo "error: npm (Node.js) is required; install Debian's nodejs and npm packages" >&2
  exit 1
fi

npm_ci() {
  local dir=$1
  # Again when the lock file changed since the last install (a new test dependency).
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "npm ci in ${dir#"$root"/}…"
    (cd "$dir" && nice -n 10 npm ci --no-audit --no-fund --ignore-scripts)
  fi
}

npm_ci "$root/dashboard"
npm_ci "$root/tests/browser"
# The committed vendor bundles must be exactly what the pinned packages give.
(cd "$root/dashboard" && npm run --silent vendor -- --check)

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium (Debian package)…"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

echo "browser tests ready: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"

#!/usr/bin/env bash
# Browser test of the run pictures (report/html): headless Chromium opens
# the history and trace pages from file:// URLs, checks that they render
# without script errors, exercises them (search, filters, zoom, a
# 100,000-record trace) and takes screenshots.
#
# Installs Debian's chromium and chromium-driver when they are missing.
# Screenshots (the CI artifact) go to artifacts/screenshots/*.png at the
# repository's root (gitignored), or to $FAULTLINE_SCREENSHOTS.
#
# Usage: .ci/browser-test.sh            (from anywhere in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "== installing chromium and chromium-driver (Debian)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
/usr/bin/chromium --version 2>/dev/null || true
/usr/bin/chromedriver --version

export FAULTLINE_SCREENSHOTS="${FAULTLINE_SCREENSHOTS:-$PWD/artifacts/screenshots}"
mkdir -p "$FAULTLINE_SCREENSHOTS"
echo "== browser test (screenshots: $FAULTLINE_SCREENSHOTS)"
# FAULTLINE_BROWSER_TEST=1: a missing browser fails the test instead of
# skipping it.
FAULTLINE_BROWSER_TEST=1 go test -count=1 -run 'TestBrowser' -v ./report/html/ 2>&1 | grep -v '^=== RUN' 
ls -l "$FAULTLINE_SCREENSHOTS"

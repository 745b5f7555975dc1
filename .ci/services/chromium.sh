#!/usr/bin/env bash
# Debian's Chromium for the browser tests (playwright-core drives
# /usr/bin/chromium; never `npx playwright install`). Usage: chromium.sh install
set -euo pipefail
. "$(dirname "$0")/lib.sh"
apt_install chromium fonts-dejavu-core
/usr/bin/chromium --version

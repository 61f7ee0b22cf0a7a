#!/usr/bin/env bash
# Sets up and runs the whole test suite on a fresh Debian machine with Node 20:
# Debian's Alertmanager, Prometheus (for promtool) and Chromium for the integration tests, then
# npm ci, then the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${need[*]} from Debian's packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
npm test

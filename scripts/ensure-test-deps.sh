#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages when it is missing: PostgreSQL 15 (the
# suite runs against a throwaway cluster) and Chromium (Playwright drives Debian's build; it cannot
# download its own here), django-cas-server (the CAS server the CAS tests run) and the Prometheus
# Python client (its text-format parser reads the metrics tests' scrapes).
set -euo pipefail
missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/lib/python3/dist-packages/cas_server/__init__.py ] || missing+=(python3-django-cas-server)
[ -f /usr/lib/python3/dist-packages/prometheus_client/parser.py ] || missing+=(python3-prometheus-client)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "The tests need: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing ${missing[*]} from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

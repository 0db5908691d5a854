#!/bin/sh
# The overhead benchmark drives load with wrk (a C load generator). Installs it from the
# distribution's packages when missing and this runs as root; otherwise says how.
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "bench: installing wrk (apt-get install -y wrk) …" >&2
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1; }
fi
command -v wrk >/dev/null 2>&1 && exit 0
echo "bench: wrk is required and could not be installed. Install it first:" >&2
echo "  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y wrk" >&2
echo "  macOS: brew install wrk      other systems: https://github.com/wg/wrk" >&2
exit 1

#!/usr/bin/env bash
# The README's test command: installs what the tests need that a fresh
# machine may lack, then runs the whole suite. CI (.ci/run) runs exactly this.
# Everything it reads is in the repository (the real-file corpus is tests/corpus).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's chromium for the HTML report's browser test.
if [ -f tests/browser.rs ] && ! command -v chromium >/dev/null 2>&1; then
  echo "scripts/test.sh: installing chromium for the browser test" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# The fuzz targets build the library without its `tables` feature (polars);
# keep that build compiling (a check, seconds once the suite is built).
cargo check --quiet --locked --lib --no-default-features

cargo test --locked "$@"

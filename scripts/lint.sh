#!/usr/bin/env bash
# Lint (ruff: errors, import order, upgrades) over the product and its tests; types (mypy) over engine/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check engine worker cli webapp tests bench scripts
.venv/bin/mypy

#!/usr/bin/env bash
# npm run lint:cycles: fails on any import circle in the product's code, type-only imports included (a circle of types
# is still two modules that cannot be understood, moved or split one without the other).
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx --no-install dpdm 'core/**/*.ts' 'demo/**/*.ts' 'nodes/**/*.ts' 'mcp/**/*.ts' 'cli/**/*.ts' 'sandbox/**/*.ts' \
  --no-tree --no-warning --no-progress --circular --exit-code circular:1

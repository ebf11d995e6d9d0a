#!/usr/bin/env bash
# npm run lint:cycles: fails on any import circle in the product's code, type-only imports included (a circle of types
# is still two modules that cannot be understood, moved or split one without the other).
set -euo pipefail
cd "$(dirname "$0")/.."
# The connectors' own files (core/connectors/{hubspot,salesforce}) still hold three circles, through types their
# options and engagement steps declare in the wrong file; the connector split (issue 14) moves those types. Until then
# these exact edges, and only these, are left out; delete a line once its circle is gone.
known=(
  'core/connectors/salesforce/login\.ts:core/connectors/salesforce/salesforce-connector\.ts'
  'core/connectors/hubspot/engagements/(view|upsert|move)\.ts:core/connectors/hubspot/hubspot-connector\.ts'
  'core/connectors/hubspot/engagements/(upsert|move)\.ts:core/connectors/hubspot/engagements/(view|upsert)\.ts'
)
skip=()
for edge in "${known[@]}"; do skip+=(--skip-imports "$edge"); done
# The globs come first: --skip-imports takes every argument after it.
exec npx --no-install dpdm 'core/**/*.ts' 'demo/**/*.ts' 'nodes/**/*.ts' 'mcp/**/*.ts' 'cli/**/*.ts' 'sandbox/**/*.ts' \
  --no-tree --no-warning --no-progress --circular --exit-code circular:1 "${skip[@]}"

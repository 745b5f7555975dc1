#!/usr/bin/env bash
# Builds the VS Code extension: installs its own dependencies (not the
# repository's), compiles it, copies the repository's TextMate grammar in and
# packages fsql.vsix with @vscode/vsce. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p syntaxes
cp ../../grammar/fsql.tmLanguage.json syntaxes/fsql.tmLanguage.json
cp ../../LICENSE LICENSE 2>/dev/null || printf 'Apache License 2.0 — see the fsql repository.\n' > LICENSE
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
npx tsc -p .
npx vsce package --out fsql.vsix
# The package holds the client, the grammar and the manifest.
unzip -l fsql.vsix | grep -q 'extension/out/extension.js'
unzip -l fsql.vsix | grep -q 'extension/syntaxes/fsql.tmLanguage.json'
unzip -l fsql.vsix | grep -q 'extension/node_modules/vscode-languageclient/'
echo "built $(pwd)/fsql.vsix"

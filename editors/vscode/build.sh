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
# (python3's zipfile: unzip is not on every machine.)
python3 - fsql.vsix <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for want in ('extension/out/extension.js', 'extension/syntaxes/fsql.tmLanguage.json', 'extension/node_modules/vscode-languageclient/'):
    if not any(n.startswith(want) for n in names):
        sys.exit(f'fsql.vsix lacks {want}')
PY
echo "built $(pwd)/fsql.vsix"

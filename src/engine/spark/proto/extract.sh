#!/usr/bin/env bash
# Re-extracts the Spark Connect protocol (spark/connect/*.proto, Apache-2.0,
# license headers kept) from the spark-connect jar that PyPI's pyspark ships,
# into this folder. Usage: extract.sh [path/to/spark-connect_*.jar]
# Default jar: the one in the venv of .ci/services/spark.sh (run
# `bash .ci/services/spark.sh install` first). The integration test
# test/engine/spark-proto.integration.ts checks the vendored files equal the jar's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${FSQL_SPARK_VENV:-${FSQL_SERVICES_DIR:-/tmp/fsql-services}/spark-venv}"
jar="${1:-$(ls "$venv"/lib/python3*/site-packages/pyspark/jars/spark-connect_*.jar 2>/dev/null | head -n 1)}"
[ -n "$jar" ] && [ -f "$jar" ] || { echo "no spark-connect jar (run: bash .ci/services/spark.sh install)" >&2; exit 1; }
python="$venv/bin/python"; [ -x "$python" ] || python="$(command -v python3)"
rm -rf "$here/spark"
"$python" - "$jar" "$here" <<'PY'
import sys, zipfile, os
jar, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(jar) as z:
    names = sorted(n for n in z.namelist() if n.startswith('spark/connect/') and n.endswith('.proto'))
    for n in names:
        os.makedirs(os.path.join(out, os.path.dirname(n)), exist_ok=True)
        with open(os.path.join(out, n), 'wb') as f:
            f.write(z.read(n))
    print(f"{len(names)} .proto files from {os.path.basename(jar)}")
PY
echo "$(basename "$jar")" >"$here/SOURCE"

"""Installs the pinned sqlglot (the independent SQL parser the SQL tests use) for the tests.

`npm run setup:sqlglot` (a step of .ci/run before `npm test`; `npm ci` runs it too,
through `prepare`, with --if-possible). Nothing to do when `python3` already has the
pinned version; otherwise the pinned version goes into a project-local virtual
environment, `.venv-sqlglot/` (git-ignored), which test/sql/support.ts finds.
`npm test` itself never installs anything.

--if-possible: a failure (no network, no venv module) is a warning, exit 0 — the SQL
tests then fail with a message saying to run `npm run setup:sqlglot`.
"""
import os
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parents[2]
requirements = pathlib.Path(__file__).with_name("requirements.txt")
venv = root / ".venv-sqlglot"
pinned = next(
    line.split("==", 1)[1].strip()
    for line in requirements.read_text().splitlines()
    if line.strip().startswith("sqlglot==")
)
if_possible = "--if-possible" in sys.argv[1:]


def venv_python() -> pathlib.Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def version_in(python: str) -> "str | None":
    r = subprocess.run([python, "-c", "import sqlglot; print(sqlglot.__version__)"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def main() -> int:
    if version_in(sys.executable) == pinned:
        print(f"sqlglot {pinned}: installed ({sys.executable})", file=sys.stderr)
        return 0
    if venv_python().exists() and version_in(str(venv_python())) == pinned:
        print(f"sqlglot {pinned}: installed ({venv.relative_to(root)})", file=sys.stderr)
        return 0
    print(f"installing sqlglot=={pinned} into {venv.relative_to(root)}/ for the SQL dialect tests", file=sys.stderr)
    subprocess.check_call([sys.executable, "-m", "venv", str(venv)])
    subprocess.check_call([str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, subprocess.CalledProcessError) as e:
        message = f"could not install sqlglot=={pinned} ({e}); the SQL tests need it: run `npm run setup:sqlglot`, or `pip install -r test/sql/requirements.txt`"
        print(("warning: " if if_possible else "error: ") + message, file=sys.stderr)
        sys.exit(0 if if_possible else 1)

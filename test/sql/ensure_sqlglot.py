"""Installs the pinned sqlglot (the independent SQL parser the tests use) when it is missing.

Runs before `npm test`, so a clean clone needs nothing installed by hand.
"""
import pathlib
import subprocess
import sys

requirements = pathlib.Path(__file__).with_name("requirements.txt")
pinned = next(
    line.split("==", 1)[1].strip()
    for line in requirements.read_text().splitlines()
    if line.strip().startswith("sqlglot==")
)

try:
    import sqlglot  # noqa: F401

    installed = getattr(sqlglot, "__version__", None)
except ImportError:
    installed = None

if installed != pinned:
    print(f"installing sqlglot=={pinned} for the SQL dialect tests (found {installed})", file=sys.stderr)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)])

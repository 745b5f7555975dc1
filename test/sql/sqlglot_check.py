#!/usr/bin/env python3
"""Parses SQL emitted by fsql with sqlglot, one statement per input line.

Input (stdin): JSON lines {"dialect": "postgres", "sql": "...", "collect": false}.
Output (stdout): one JSON line per input line, in order:
  {"ok": true} or {"ok": false, "error": "..."}; with "collect": true, also
  "literals" (every string literal's value, unescaped) and "identifiers"
  (every quoted identifier's name), read from the parsed tree. With
  "script": true the input is a whole script: {"ok": true, "kinds": [...]}
  names each statement parsed (`Create:VIEW`, `Select`, `Drop:TABLE`, ...).

Exit status 3 with a message on stderr when sqlglot is not installed.
Pinned in test/sql/requirements.txt (sqlglot 30.30.0).
"""
import json
import sys

try:
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel
except ImportError:  # pragma: no cover - reported to the test
    sys.stderr.write(f"sqlglot is not installed for {sys.executable}\n")
    sys.exit(3)

# fsql target name -> sqlglot dialect name
DIALECTS = {
    "sqlite": "sqlite",
    "duckdb": "duckdb",
    "postgres": "postgres",
    "mysql": "mysql",
    "spark": "spark",
    "bigquery": "bigquery",
    "snowflake": "snowflake",
    "trino": "trino",
}


def kind(tree):
    """`Create:VIEW`, `Select`, `Drop:TABLE`, ...: a statement's class (and what it creates or drops)."""
    name = type(tree).__name__
    what = tree.args.get("kind") if isinstance(tree, (exp.Create, exp.Drop)) else None
    return f"{name}:{what}" if what else name


def check(item):
    dialect = DIALECTS.get(item.get("dialect"))
    if dialect is None:
        return {"ok": False, "error": f"unknown dialect {item.get('dialect')!r}"}
    try:
        trees = sqlglot.parse(item["sql"], read=dialect, error_level=ErrorLevel.RAISE)
    except Exception as e:  # sqlglot raises ParseError, TokenError, ...
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}
    trees = [t for t in trees if t is not None]
    if item.get("script"):
        # A whole script (`fsql compile --all`): what each statement is, in order.
        return {"ok": True, "kinds": [kind(t) for t in trees]}
    if len(trees) != 1:
        return {"ok": False, "error": f"expected one statement, parsed {len(trees)}"}
    out = {"ok": True}
    if item.get("collect"):
        tree = trees[0]
        out["literals"] = [
            node.this
            for node in tree.find_all(exp.Literal)
            if node.is_string
        ]
        out["identifiers"] = [node.this for node in tree.find_all(exp.Identifier) if node.quoted]
    return out


def main():
    sys.stdout.write(json.dumps({"sqlglot": sqlglot.__version__}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = check(json.loads(line))
        except Exception as e:  # a bad input line must not stop the batch
            result = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()

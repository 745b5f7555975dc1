"""A real `fsql serve` for the client's tests.

The session copies examples/payments to a temporary folder, adds a pool of
spine rows with a label and a training set over them (the same features as
fraud_detection: tests compare ad-hoc spines with it), applies, ingests the
sample app events, materializes, and serves on a free port with a bearer
token, from the repository's TypeScript sources (tsx).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator, List

import httpx
import pytest

from fsql_client import Client

REPO = Path(__file__).resolve().parents[2]
TOKEN = "test-token-1234"

FEATURES = [
    "txn_count_7d",
    "spend_30d",
    "avg_amount_7d@2",
    "max_amount_24h",
    "last_channel",
    "home_country",
    "user_age",
    "cross_border_spend_30d",
    "active_days_30d",
    "merchant_category",
    "merchant_risk_tier",
    "merchant_chargebacks_30d",
    "card_distinct_merchants_24h",
    "card_min_amount_24h",
]

POOL_FSQL = """
-- Test only: a pool of (keys, time) rows, for comparing ad-hoc spines with a training set.
CREATE SOURCE spine_pool (row_id INTEGER NOT NULL, user_id TEXT NOT NULL, merchant_id TEXT, card_id TEXT, at TIMESTAMP NOT NULL)
  FROM FILE 'data/spine_pool.csv' EVENT TIME at;
CREATE LABEL pool_row ENTITY user FROM spine_pool AS row_id;
CREATE TRAINING SET pool_ts LABEL pool_row FEATURES ({features});
"""


def fsql_command(*args: str) -> List[str]:
    return [str(REPO / "node_modules" / ".bin" / "tsx"), str(REPO / "src" / "cli" / "bin.ts"), *args]


def run_fsql(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(fsql_command(*args), cwd=project, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"fsql {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def write_pool(project: Path) -> None:
    """Spine rows over the example's keys (and unknown ones) at transaction times (window and TTL edges), near them, and anywhere."""
    rng = random.Random(16)
    with open(project / "data" / "transactions.csv", newline="") as f:
        txns = list(csv.DictReader(f))
    users = sorted({t["user_id"] for t in txns}) + ["u_unknown"]
    merchants = sorted({t["merchant_id"] for t in txns}) + ["m_unknown", ""]
    cards = sorted({t["card_id"] for t in txns}) + ["c_unknown", ""]
    rows = []
    for i in range(400):
        t = rng.choice(txns)
        at = dt.datetime.fromisoformat(t["created_at"])
        kind = rng.random()
        if kind < 0.4:
            user, merchant, card = t["user_id"], t["merchant_id"], t["card_id"]
        else:
            user, merchant, card = rng.choice(users), rng.choice(merchants), rng.choice(cards)
        if kind > 0.7:
            at += dt.timedelta(seconds=rng.choice([-1, 1, 86400, 7 * 86400, -30 * 86400, rng.randint(-40 * 86400, 40 * 86400)]))
        rows.append({"row_id": i, "user_id": user, "merchant_id": merchant, "card_id": card, "at": at.strftime("%Y-%m-%d %H:%M:%S")})
    with open(project / "data" / "spine_pool.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["row_id", "user_id", "merchant_id", "card_id", "at"])
        w.writeheader()
        w.writerows(rows)
    (project / "spine_pool.fsql").write_text(POOL_FSQL.format(features=", ".join(f.replace("@", " VERSION ") for f in FEATURES)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fsql") / "payments"
    shutil.copytree(REPO / "examples" / "payments", root, ignore=shutil.ignore_patterns(".fsql", "out"))
    write_pool(root)
    run_fsql(root, "apply", "--quiet")
    run_fsql(root, "ingest", "app_events", "data/app_events.jsonl")
    run_fsql(root, "materialize", "--at", "2024-04-28 00:00:00", "--quiet")
    return root


@pytest.fixture(scope="session")
def server(project: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "FSQL_TOKEN": TOKEN}
    log = open(project / "serve.log", "w")
    proc = subprocess.Popen(fsql_command("serve", "--port", str(port)), cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"fsql serve did not start:\n{(project / 'serve.log').read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
        log.close()


@pytest.fixture()
def client(server: str) -> Iterator[Client]:
    with Client(server, token=TOKEN) as c:
        yield c

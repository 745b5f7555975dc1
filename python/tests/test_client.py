"""The client against a real `fsql serve` of the example project (conftest.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any, Dict, List

import httpx
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsql_client import Client, FsqlError

from .conftest import FEATURES, TOKEN, run_fsql


def train_parquet(project: Path, tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / f"{name}.parquet"
    run_fsql(project, "train", name, "--out", str(out), "--quiet", *args)
    return out


# ---- training sets ---------------------------------------------------------------------------


@pytest.mark.parametrize("name,args", [("fraud_detection", ["--version", "1"]), ("merchant_abuse", ["--as-of", "2024-04-20 00:00:00"])])
def test_training_set_equals_fsql_train_parquet(client: Client, project: Path, tmp_path: Path, name: str, args: List[str]) -> None:
    expected = pq.read_table(train_parquet(project, tmp_path, name, *args))
    version = 1 if "--version" in args else None
    as_of = "2024-04-20 00:00:00" if "--as-of" in args else None
    table = client.training_set(name, version=version, as_of=as_of, output="arrow")
    assert table.num_rows > 0
    # Column for column, type for type, value for value.
    assert table.schema.equals(expected.schema), f"{table.schema}\n!=\n{expected.schema}"
    assert table.equals(expected)
    df = client.training_set(name, version=version, as_of=as_of)
    expected_df = expected.to_pandas()
    assert list(df.columns) == list(expected_df.columns)
    assert list(df.dtypes) == list(expected_df.dtypes)
    pd.testing.assert_frame_equal(df, expected_df, check_exact=True)
    assert client.training_set(name, version=version, as_of=as_of, output="polars").equals(pl.from_arrow(expected))


def test_training_set_in_parquet_and_csv(server: str, client: Client, project: Path, tmp_path: Path) -> None:
    arrow = client.training_set("fraud_detection", output="arrow")
    headers = {"authorization": f"Bearer {TOKEN}"}
    parquet = httpx.post(f"{server}/v1/training-sets/fraud_detection", headers={**headers, "accept": "application/vnd.apache.parquet"}, timeout=120)
    assert parquet.status_code == 200 and parquet.headers["content-type"] == "application/vnd.apache.parquet"
    assert pq.read_table(io.BytesIO(parquet.content)).equals(arrow)
    text = httpx.post(f"{server}/v1/training-sets/fraud_detection", headers={**headers, "accept": "text/csv"}, timeout=120)
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    expected_csv = tmp_path / "fd.csv"
    run_fsql(project, "train", "fraud_detection", "--out", str(expected_csv), "--quiet")
    assert text.text == expected_csv.read_text()


def test_training_set_errors(server: str, client: Client) -> None:
    with pytest.raises(FsqlError) as e:
        client.training_set("fraud_detectoin")
    assert e.value.code == "unknown_training_set" and e.value.status == 404 and "fraud_detection" in e.value.message
    with pytest.raises(FsqlError) as e:
        client.training_set("fraud_detection", version=7)
    assert e.value.code == "unknown_training_set" and "VERSION 7" in e.value.message
    with Client(server, token="wrong") as bad:
        with pytest.raises(FsqlError) as e:
            bad.training_set("fraud_detection")
        assert e.value.code == "unauthorized" and e.value.status == 401
    with Client(server) as none:
        with pytest.raises(FsqlError) as e:
            none.training_set("fraud_detection")
        assert e.value.code == "unauthorized"
    r = httpx.post(f"{server}/v1/training-sets/fraud_detection", headers={"authorization": f"Bearer {TOKEN}", "accept": "image/png"})
    assert r.status_code == 406 and r.json()["error"]["code"] == "not_acceptable"


# ---- ad-hoc spines ---------------------------------------------------------------------------


def pool_rows(project: Path) -> List[Dict[str, Any]]:
    with open(project / "data" / "spine_pool.csv", newline="") as f:
        return [
            {
                "row_id": int(r["row_id"]),
                "user_id": r["user_id"],
                "merchant_id": r["merchant_id"] or None,
                "card_id": r["card_id"] or None,
                "at": dt.datetime.fromisoformat(r["at"]),
            }
            for r in csv.DictReader(f)
        ]


@pytest.fixture(scope="module")
def pool(project: Path) -> List[Dict[str, Any]]:
    return pool_rows(project)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_historical_features_equal_a_training_set_over_the_same_rows(client: Client, pool: List[Dict[str, Any]], data: st.DataObject) -> None:
    """For random spines (rows of the pool, in any order, repeated or not), the features equal pool_ts's rows for the same rows."""
    picks = data.draw(st.lists(st.integers(min_value=0, max_value=len(pool) - 1), min_size=1, max_size=60), label="rows")
    flavour = data.draw(st.sampled_from(["pandas", "arrow", "polars", "dicts"]), label="spine type")
    rows = [{k: pool[i][k] for k in ("user_id", "merchant_id", "card_id", "at")} for i in picks]
    spine: Any = pa.Table.from_pylist(rows, schema=pa.schema([("user_id", pa.string()), ("merchant_id", pa.string()), ("card_id", pa.string()), ("at", pa.timestamp("us"))]))
    if flavour == "pandas":
        spine = spine.to_pandas()
    elif flavour == "polars":
        spine = pl.from_arrow(spine)
    elif flavour == "dicts":
        spine = rows
    result = client.get_historical_features(spine, features=FEATURES, output="arrow")
    training = client.training_set("pool_ts", output="arrow").to_pylist()
    by_id = {r["pool_row"]: r for r in training}
    expected_columns = [c for c in client.training_set("pool_ts", output="arrow").column_names if c not in ("user_id", "merchant_id", "card_id", "at", "pool_row")]
    assert result.column_names == ["user_id", "merchant_id", "card_id", "at", *expected_columns]
    got = result.to_pylist()
    assert len(got) == len(picks)
    for row, i in zip(got, picks):
        want = by_id[pool[i]["row_id"]]
        assert row["user_id"] == pool[i]["user_id"] and row["at"] == pool[i]["at"]
        for c in expected_columns:
            assert row[c] == want[c], f"pool row {i}, column {c}: {row[c]!r} != {want[c]!r}"
    # Types too: those of the training set.
    pool_schema = client.training_set("pool_ts", output="arrow").schema
    for c in expected_columns:
        assert result.schema.field(c).type == pool_schema.field(c).type


def test_historical_features_keep_extra_columns_and_versions(client: Client, pool: List[Dict[str, Any]]) -> None:
    df = pd.DataFrame(
        {
            "label": [True, False, True],
            "user_id": [pool[0]["user_id"], "u_nobody", pool[2]["user_id"]],
            "event_timestamp": [pool[0]["at"], pool[1]["at"], pool[2]["at"]],
        }
    )
    out = client.get_historical_features(df, features=["avg_amount_7d@1", ("avg_amount_7d", 2), "txn_count_7d"])
    assert list(out.columns) == ["label", "user_id", "event_timestamp", "avg_amount_7d__v1", "avg_amount_7d__v2", "txn_count_7d"]
    assert list(out["label"]) == [True, False, True]
    # An unknown key gets what a training row for it would: the fills (COUNT of nothing is 0, scaled).
    assert out["txn_count_7d"][1] == 0.0


def test_historical_features_errors(client: Client, pool: List[Dict[str, Any]]) -> None:
    spine = pa.table({"user_id": ["u0001", "u0002"], "at": pa.array([dt.datetime(2024, 3, 1), None], pa.timestamp("us"))})
    with pytest.raises(FsqlError) as e:
        client.get_historical_features(spine, features=["txn_count_7d"])
    assert e.value.code == "bad_rows" and e.value.row_errors == [{"row": 2, "column": "at", "reason": "NULL in a NOT NULL column"}]
    with pytest.raises(FsqlError) as e:
        client.get_historical_features(spine.slice(0, 1), features=["txn_count_7"])
    assert e.value.code == "unknown_feature" and "txn_count_7d" in e.value.message
    with pytest.raises(FsqlError) as e:
        client.get_historical_features(pa.table({"account": ["u1"], "at": pa.array([dt.datetime(2024, 3, 1)], pa.timestamp("us"))}), features=["txn_count_7d"])
    assert e.value.code == "bad_rows" and "no column user_id" in json.dumps(e.value.row_errors)
    with pytest.raises(FsqlError) as e:
        client.get_historical_features(pa.table({"user_id": [1], "at": pa.array([dt.datetime(2024, 3, 1)], pa.timestamp("us"))}), features=["txn_count_7d"])
    assert e.value.code == "bad_rows" and "cannot be read as a TEXT" in json.dumps(e.value.row_errors)
    with pytest.raises(ValueError):
        client.get_historical_features(pa.table({"user_id": ["u1"]}), features=["txn_count_7d"])


def test_cli_train_spine_equals_the_client(client: Client, project: Path, pool: List[Dict[str, Any]], tmp_path: Path) -> None:
    rows = [{k: pool[i][k] for k in ("user_id", "merchant_id", "card_id", "at")} for i in (5, 3, 5, 80)]
    table = pa.Table.from_pylist(rows, schema=pa.schema([("user_id", pa.string()), ("merchant_id", pa.string()), ("card_id", pa.string()), ("at", pa.timestamp("us"))]))
    pq.write_table(table, tmp_path / "spine.parquet")
    out = tmp_path / "rows.parquet"
    run_fsql(project, "train", "--spine", str(tmp_path / "spine.parquet"), "--features", ",".join(FEATURES), "--out", str(out), "--quiet")
    assert pq.read_table(out).equals(client.get_historical_features(table, features=FEATURES, output="arrow"))


# ---- online, registry ------------------------------------------------------------------------


def test_online_features_equal_fsql_get(client: Client, project: Path) -> None:
    results = client.get_online_features("user", ["u0115", "nobody"])
    cli = json.loads(run_fsql(project, "get", "user", "u0115", "--format", "json").stdout)
    assert results[0] == cli["results"][0]
    assert results[1]["found"] is False
    some = client.get_online_features("user", [{"user_id": "u0115"}], features=["txn_count_7d"])
    assert list(some[0]["features"]) == ["txn_count_7d"]
    assert some[0]["features"]["txn_count_7d"] == cli["results"][0]["features"]["txn_count_7d"]
    with pytest.raises(FsqlError) as e:
        client.get_online_features("usr", ["u1"])
    assert e.value.code == "unknown_entity"


def test_registry(client: Client) -> None:
    names = {o["name"] for o in client.list(kind="training_set")}
    assert {"fraud_detection", "merchant_abuse", "pool_ts"} <= names
    d = client.describe("avg_amount_7d", version=2)
    assert d["kind"] == "feature" and d["version"] == 2
    with pytest.raises(FsqlError) as e:
        client.describe("nothing_of_that_name")
    assert e.value.code == "unknown_object" and e.value.status == 404


# ---- uploads (last: they add events) -------------------------------------------------------


def test_upload_and_push(client: Client) -> None:
    events = pd.DataFrame(
        {
            "event_id": ["py-1", "py-2"],
            "account_id": ["u0115", "u0116"],
            "event_type": ["login", "login_failed"],
            "device_id": [None, "d-py"],
            "ip_country": ["US", "DE"],
            "ts": [pd.Timestamp("2024-04-27 10:00:00"), pd.Timestamp("2024-04-27 11:00:00")],
        }
    )
    r = client.upload("app_events", events, idempotency_key="py-upload-1")
    assert r["source"] == "app_events" and r["accepted"] == 2 and "replayed" not in r
    again = client.upload("app_events", events, idempotency_key="py-upload-1")
    assert again["replayed"] is True and again["accepted"] == 2
    with pytest.raises(FsqlError) as e:
        client.upload("app_events", events.assign(event_id=["py-3", "py-4"]), idempotency_key="py-upload-1")
    assert e.value.code == "idempotency_conflict"
    # A bad row refuses the whole upload, naming the row and why.
    bad = events.assign(event_id=["py-5", None])
    with pytest.raises(FsqlError) as e:
        client.upload("app_events", bad)
    assert e.value.code == "bad_rows" and e.value.row_errors == [{"row": 2, "column": "event_id", "reason": "NULL in a NOT NULL column"}]
    with pytest.raises(FsqlError) as e:
        client.upload("transactions", events)
    assert e.value.code == "not_a_stream" and e.value.status == 409
    with pytest.raises(FsqlError) as e:
        client.upload("app_event", events)
    assert e.value.code == "unknown_source"
    pushed = client.push("app_events", [{"event_id": "py-6", "account_id": "u0115", "event_type": "login", "ts": dt.datetime(2024, 4, 27, 12, 0, tzinfo=dt.timezone.utc)}])
    assert pushed["accepted"] == 1
    with pytest.raises(FsqlError) as e:
        client.push("app_events", [{"event_id": "py-7", "account_id": "u0115", "event_type": "login", "ts": "yesterday"}])
    assert e.value.code == "bad_rows" and e.value.row_errors[0]["row"] == 1 and e.value.row_errors[0]["column"] == "ts"
    # The uploaded events are in the offline store: a spine at their time sees them.
    seen = client.get_historical_features(pa.table({"user_id": ["u0115"], "at": pa.array([dt.datetime(2024, 4, 27, 12, 0)], pa.timestamp("us"))}), features=["failed_logins_24h"], output="arrow")
    assert seen.num_rows == 1

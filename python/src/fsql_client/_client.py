from __future__ import annotations

import datetime as _dt
import io
import json
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Iterator, Literal, Mapping, Optional, Sequence, Union
from urllib.parse import quote

import httpx
import pyarrow as pa
import pyarrow.ipc as ipc

from ._errors import FsqlError

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import polars

#: What table-returning methods give: a pandas DataFrame, a polars DataFrame or a pyarrow Table.
Output = Literal["pandas", "polars", "arrow"]
#: A feature version: ``"name"`` (the newest version), ``"name@2"``, or ``("name", 2)``.
FeatureRef = Union[str, "tuple[str, int]"]

ARROW_STREAM = "application/vnd.apache.arrow.stream"


class _ByteStream(io.RawIOBase):
    """A file-like view of a response's byte chunks, for pyarrow to decode batches as they arrive."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buffer))
        b[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def _feature_text(ref: FeatureRef) -> str:
    if isinstance(ref, tuple):
        name, version = ref
        return f"{name}@{int(version)}"
    return str(ref)


def _to_arrow(df: Any) -> pa.Table:
    """A pandas or polars DataFrame, a pyarrow Table or RecordBatch, or a list of dicts, as a pyarrow Table."""
    if isinstance(df, pa.Table):
        return df
    if isinstance(df, pa.RecordBatch):
        return pa.Table.from_batches([df])
    module = type(df).__module__
    if module.startswith("pandas"):
        return pa.Table.from_pandas(df, preserve_index=False)
    if module.startswith("polars"):
        return df.to_arrow()
    if isinstance(df, list):
        return pa.Table.from_pylist(df)
    raise TypeError(f"expected a pandas or polars DataFrame, a pyarrow Table or a list of dicts, not {type(df).__name__}")


def _ipc_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _convert(table: pa.Table, output: Output) -> Any:
    if output == "arrow":
        return table
    if output == "pandas":
        try:
            import pandas  # noqa: F401
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("pandas is not installed: `pip install fsql-client[pandas]`, or pass output='arrow'") from e
        return table.to_pandas()
    if output == "polars":
        try:
            import polars
        except ImportError as e:  # pragma: no cover
            raise ImportError("polars is not installed: `pip install fsql-client[polars]`, or pass output='arrow'") from e
        return polars.from_arrow(table)
    raise ValueError(f"output must be 'pandas', 'polars' or 'arrow', not {output!r}")


def _json_value(v: Any) -> Any:
    """Python values as the ingest API reads them: datetimes as ISO text (UTC), dates as YYYY-MM-DD."""
    if isinstance(v, _dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return v.isoformat(sep=" ")
    if isinstance(v, _dt.date):
        return v.isoformat()
    return v


class Client:
    """A connection to an fsql feature server.

    ``url`` is where ``fsql serve`` listens (``http://127.0.0.1:8080``);
    ``token`` the bearer token when the server has one (``$FSQL_TOKEN`` on
    its side): training sets, spines and uploads need it. Every error answer
    is raised as :class:`FsqlError` with the API's code and message.
    """

    def __init__(self, url: str, token: Optional[str] = None, *, timeout: float = 300.0, transport: Optional[httpx.BaseTransport] = None) -> None:
        headers = {"user-agent": "fsql-client/0.1"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"base_url": url.rstrip("/"), "headers": headers, "timeout": timeout}
        if transport is not None:
            kwargs["transport"] = transport
        self._http = httpx.Client(**kwargs)

    # -- plumbing ----------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _raise(response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            body = json.loads(response.read())
            error = body["error"]
            raise FsqlError(str(error["code"]), str(error["message"]), response.status_code, error.get("details"))
        except (ValueError, KeyError, TypeError):
            raise FsqlError("http_error", f"HTTP {response.status_code}: {response.text[:200]}", response.status_code) from None

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        self._raise(response)
        return response.json()

    def _table(self, path: str, params: Mapping[str, str], content: Optional[bytes] = None, content_type: Optional[str] = None) -> pa.Table:
        headers = {"accept": ARROW_STREAM}
        if content_type is not None:
            headers["content-type"] = content_type
        with self._http.stream("POST", path, params=params, content=content, headers=headers) as response:
            self._raise(response)
            # Batches are decoded as they arrive: the response is never held whole as bytes.
            reader = ipc.open_stream(io.BufferedReader(_ByteStream(response.iter_bytes()), buffer_size=1 << 16))
            return reader.read_all()

    # -- training data -----------------------------------------------------------------------------

    def training_set(self, name: str, version: Optional[int] = None, as_of: Optional[Union[str, _dt.datetime, _dt.date]] = None, *, output: Output = "pandas") -> Any:
        """A registered training set's rows (the newest version unless ``version``).

        The same rows, columns and types as ``fsql train NAME --out x.parquet``:
        the keys, the label time, each feature's column(s), the label. ``as_of``
        is for a training set whose label has no event time: the time every
        feature is taken at (default: the newest event time in the features'
        relations).
        """
        params: dict[str, str] = {}
        if version is not None:
            params["version"] = str(int(version))
        if as_of is not None:
            params["as_of"] = str(_json_value(as_of))
        return _convert(self._table(f"/v1/training-sets/{quote(name, safe='')}", params), output)

    def get_historical_features(self, spine_df: Any, features: Sequence[FeatureRef], *, time_column: Optional[str] = None, output: Output = "pandas") -> Any:
        """Point-in-time features for your own rows of (entity keys, time).

        ``spine_df`` (pandas, polars, pyarrow, or a list of dicts) has a column
        per entity key of the features' entities, named as the key
        (``user_id``), and a column of times: ``time_column``, by default its
        one timestamp or date column. The result has the spine's rows in its
        order: every column of ``spine_df`` as given, then each feature's
        column(s) — what a training set over a label with exactly these rows
        holds (the same lookups, windows, TTLs, fills and scalings).
        """
        spine = _to_arrow(spine_df)
        if not features:
            raise ValueError("give at least one feature")
        if time_column is None:
            times = [f.name for f in spine.schema if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)]
            if len(times) != 1:
                raise ValueError(
                    f"say which column is the spine's time (time_column=...): it has {'no timestamp or date column' if not times else 'several: ' + ', '.join(times)}"
                )
            time_column = times[0]
        params = {"features": ",".join(_feature_text(f) for f in features), "time_column": time_column}
        result = self._table("/v1/historical-features", params, _ipc_bytes(spine), ARROW_STREAM)
        # The spine's own columns as given (the server echoes only keys and time), then the features.
        echoed = set(spine.column_names)
        time_index = result.column_names.index(time_column)
        feature_columns = [c for c in result.column_names[time_index + 1 :] if c not in echoed]
        table = spine
        for name in feature_columns:
            table = table.append_column(result.schema.field(name), result.column(name))
        return _convert(table, output)

    # -- online ------------------------------------------------------------------------------------

    def get_online_features(self, entity: str, keys: Sequence[Any], features: Optional[Sequence[FeatureRef]] = None) -> List[Dict[str, Any]]:
        """The served feature vectors of ``keys`` (values of a one-column key, or dicts column → value).

        One dict per key, in order: ``key``, ``found`` and ``features``
        (name → ``value`` or ``values`` for one-hot, ``status``, ``event_time``,
        ``as_of``, ``version``), as the HTTP API answers.
        """
        body: dict[str, Any] = {"keys": [k if isinstance(k, (dict, list)) else [k] for k in keys]}
        if features is not None:
            body["features"] = [_feature_text(f) for f in features]
        return list(self._json("POST", f"/v1/features/{quote(entity, safe='')}", json=body)["results"])

    # -- uploads -----------------------------------------------------------------------------------

    def upload(self, source: str, df: Any, *, idempotency_key: Optional[str] = None) -> dict[str, Any]:
        """Appends a table's rows to a STREAM source (sent as Arrow IPC).

        Validated whole as ``apply`` validates data: a bad row raises
        :class:`FsqlError` ``bad_rows`` (``row_errors`` names each) and stores
        nothing. ``idempotency_key`` makes a retry safe.
        """
        headers = {"content-type": ARROW_STREAM}
        if idempotency_key is not None:
            headers["idempotency-key"] = idempotency_key
        return dict(self._json("POST", f"/v1/sources/{quote(source, safe='')}/rows", content=_ipc_bytes(_to_arrow(df)), headers=headers))

    def push(self, stream: str, rows: Iterable[Mapping[str, Any]], *, idempotency_key: Optional[str] = None) -> dict[str, Any]:
        """Pushes events (dicts column → value; datetimes are sent as UTC text) to a STREAM source."""
        headers = {}
        if idempotency_key is not None:
            headers["idempotency-key"] = idempotency_key
        body = [{k: _json_value(v) for k, v in row.items()} for row in rows]
        return dict(self._json("POST", f"/v1/ingest/{quote(stream, safe='')}", json=body, headers=headers))

    # -- registry ----------------------------------------------------------------------------------

    def list(self, kind: Optional[str] = None, name: Optional[str] = None) -> List[Dict[str, Any]]:
        """Registered object versions (``kind``: entity, source, view, feature, label, training_set)."""
        params = {k: v for k, v in (("kind", kind), ("name", name)) if v is not None}
        return list(self._json("GET", "/v1/registry/objects", params=params)["objects"])

    def describe(self, name: str, version: Optional[int] = None) -> dict[str, Any]:
        """One object version: definition, metadata, versions, fitted parameters, statistics, lineage."""
        params = {"version": str(int(version))} if version is not None else {}
        return dict(self._json("GET", f"/v1/registry/objects/{quote(name, safe='')}", params=params))

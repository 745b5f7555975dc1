from __future__ import annotations

from typing import Any, Mapping, Optional


class FsqlError(Exception):
    """An error answer of the fsql server.

    ``code`` is the API's stable error code (``unknown_training_set``,
    ``bad_rows``, ``unauthorized``, ...), ``message`` its explanation,
    ``status`` the HTTP status and ``details`` what the API adds for some
    codes (``row_errors`` for ``bad_rows``: the row number, column and
    reason of each bad row).
    """

    def __init__(self, code: str, message: str, status: int, details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details: Mapping[str, Any] = details or {}

    @property
    def row_errors(self) -> list[dict[str, Any]]:
        """For ``bad_rows``: one entry per bad row (``row``, ``column``, ``reason``)."""
        return list(self.details.get("row_errors", []))

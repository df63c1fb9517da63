"""The server's store: jobs and their results in one SQLite file (WAL mode, one transaction per change).

A job moves ``queued -> running -> done | failed | cancelled``. A finished job's result (the JSON
document, its per-country CSV and optional figures) is written in the same transaction that marks the
job ``done``, so a crash leaves either a finished job with its whole result or an unfinished one. On
opening, jobs left ``queued`` or ``running`` by a previous process (stopped or crashed) are marked
``failed``. :meth:`Store.find` answers identical requests from finished jobs by their cache ``key``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Job", "Store", "ACTIVE", "FINISHED"]

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    error TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_key ON jobs (key, status);
CREATE TABLE IF NOT EXISTS results (
    id TEXT PRIMARY KEY REFERENCES jobs (id),
    doc TEXT NOT NULL,
    csv TEXT NOT NULL,
    figures TEXT
);
"""


@dataclass(frozen=True)
class Job:
    """One row of the ``jobs`` table."""

    id: str
    kind: str
    key: str
    request: dict[str, Any]
    status: str
    progress: float
    message: str
    error: str | None
    created: float
    updated: float

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "progress": self.progress,
                "message": self.message, "error": self.error, "created": self.created, "updated": self.updated,
                "request": self.request}


class Store:
    """Jobs and results in ``<folder>/tradewar.sqlite``; safe to use from several threads."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "tradewar.sqlite"
        self._local = threading.local()
        self._open: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._db().executescript(_SCHEMA)
        self.interrupted = self._fail_unfinished()

    # --- connections ---------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.row_factory = sqlite3.Row
            self._local.db = db
            with self._lock:
                self._open.append(db)
        return db

    def close(self) -> None:
        """Close every connection of every thread (the store must not be used afterwards)."""
        with self._lock:
            for db in self._open:
                db.close()
            self._open.clear()
        self._local = threading.local()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _fail_unfinished(self) -> int:
        with self._tx() as db:
            cur = db.execute(
                "UPDATE jobs SET status='failed', error=?, updated=? WHERE status IN ('queued', 'running')",
                ("interrupted: the server stopped before the job finished; submit it again", time.time()),
            )
            return cur.rowcount

    # --- jobs ----------------------------------------------------------------------------------
    def create(self, kind: str, key: str, request: dict[str, Any]) -> Job:
        now = time.time()
        jid = uuid.uuid4().hex
        with self._tx() as db:
            db.execute("INSERT INTO jobs (id, kind, key, request, status, created, updated) VALUES (?,?,?,?,?,?,?)",
                       (jid, kind, key, json.dumps(request, sort_keys=True), "queued", now, now))
        job = self.get(jid)
        assert job is not None
        return job

    def get(self, jid: str) -> Job | None:
        row = self._db().execute("SELECT * FROM jobs WHERE id=?", (jid,)).fetchone()
        if row is None:
            return None
        return Job(id=row["id"], kind=row["kind"], key=row["key"], request=json.loads(row["request"]),
                   status=row["status"], progress=row["progress"], message=row["message"], error=row["error"],
                   created=row["created"], updated=row["updated"])

    def find(self, key: str) -> Job | None:
        """The latest finished (``done``) job with this cache key, or None."""
        row = self._db().execute("SELECT id FROM jobs WHERE key=? AND status='done' ORDER BY updated DESC LIMIT 1",
                                 (key,)).fetchone()
        return None if row is None else self.get(row["id"])

    def update(self, jid: str, *, status: str | None = None, progress: float | None = None,
               message: str | None = None) -> None:
        """Move an unfinished job forward (a finished job is never changed)."""
        sets, args = ["updated=?"], [time.time()]
        for col, val in (("status", status), ("progress", progress), ("message", message)):
            if val is not None:
                sets.append(f"{col}=?")
                args.append(val)
        with self._tx() as db:
            db.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id=? AND status IN ('queued', 'running')",
                       (*args, jid))

    def finish(self, jid: str, doc: dict[str, Any], csv: str, figures: dict[str, Any] | None = None) -> bool:
        """Save the result and mark the job done, in one transaction; False if the job was no longer running."""
        with self._tx() as db:
            cur = db.execute("UPDATE jobs SET status='done', progress=1, message='done', updated=? "
                             "WHERE id=? AND status IN ('queued', 'running')", (time.time(), jid))
            if cur.rowcount == 0:
                return False
            db.execute("INSERT INTO results (id, doc, csv, figures) VALUES (?,?,?,?)",
                       (jid, json.dumps(doc, allow_nan=False), csv,
                        None if figures is None else json.dumps(figures, allow_nan=False)))
        return True

    def fail(self, jid: str, error: str, status: str = "failed") -> bool:
        """Mark an unfinished job ``failed`` (or ``cancelled``) with a one-line reason."""
        with self._tx() as db:
            cur = db.execute("UPDATE jobs SET status=?, error=?, updated=? WHERE id=? AND status IN ('queued', 'running')",
                             (status, error, time.time(), jid))
            return cur.rowcount > 0

    def result(self, jid: str) -> tuple[dict[str, Any], str, dict[str, Any] | None] | None:
        """``(doc, csv, figures)`` of a finished job, or None."""
        row = self._db().execute("SELECT doc, csv, figures FROM results WHERE id=?", (jid,)).fetchone()
        if row is None:
            return None
        return json.loads(row["doc"]), row["csv"], (None if row["figures"] is None else json.loads(row["figures"]))

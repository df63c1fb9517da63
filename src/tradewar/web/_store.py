"""The server's store: jobs and their results in one SQLite file (WAL mode, one transaction per change).

A job moves ``queued -> running -> done | failed | cancelled``. A finished job's result (the JSON
document, its per-country CSV and optional figures) is written in the same transaction that marks the
job ``done``, so a crash leaves either a finished job with its whole result or an unfinished one. On
opening, jobs left ``queued`` or ``running`` by a previous process (stopped or crashed) are marked
``failed``. :meth:`Store.find` answers identical requests from finished jobs by their cache ``key``.

The store holds a bounded set of connections (``connections``, lent to one thread at a time), whatever
the number of threads that use it. Retention: finished jobs older than ``keep_days`` are deleted, and
the oldest finished jobs go when the live data pass ``max_bytes`` (SQLite reuses the freed pages, so
the file stays near that size). A report's large inline scripts (plotly.js, about 4.6 MB, and the map's
outlines) are kept once in ``assets``, by their SHA-256, not once per report.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
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
CREATE INDEX IF NOT EXISTS jobs_updated ON jobs (status, updated);
CREATE TABLE IF NOT EXISTS assets (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
"""

#: Inline scripts of at least this many characters are stored once, in ``assets``.
ASSET_MIN = 32 * 1024
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_ASSET = re.compile(r'<script data-tradewar-asset="([0-9a-f]{64})"></script>')
_FINISHED_SQL = "('done', 'failed', 'cancelled')"


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
    """Jobs and results in ``<folder>/tradewar.sqlite``; safe to use from any number of threads."""

    def __init__(self, folder: str | Path, *, connections: int = 4, keep_days: float | None = None,
                 max_bytes: int | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "tradewar.sqlite"
        self.keep_days = keep_days
        self.max_bytes = max_bytes
        self._size = max(1, int(connections))
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._open: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            with self._conn() as db:
                db.executescript(_SCHEMA)
            self.interrupted = self._fail_unfinished()
        except sqlite3.DatabaseError as e:  # a damaged or foreign file: the server cannot keep jobs in it
            self.close()
            from .._exceptions import DataError

            raise DataError(f"{self.path}: not a usable job store ({e}); move it away or choose another "
                            "--state folder") from None
        self.prune()

    # --- connections ---------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA journal_size_limit=8388608")  # the WAL file is cut back to 8 MB after a checkpoint
        db.execute("PRAGMA foreign_keys=ON")
        db.row_factory = sqlite3.Row
        return db

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        """Borrow one of at most ``connections`` connections (waiting for one when all are lent)."""
        try:
            db = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                make = len(self._open) < self._size
                if make:
                    db = self._connect()
                    self._open.append(db)
            if not make:
                db = self._idle.get()
        try:
            yield db
        finally:
            with self._lock:
                keep = any(db is x for x in self._open)
            if keep:
                self._idle.put(db)
            else:  # close() came while it was lent: closed here, by the thread that used it
                db.close()

    def connections(self) -> int:
        """Connections opened so far (never more than ``connections``)."""
        with self._lock:
            return len(self._open)

    def close(self) -> None:
        """Close the connections: idle ones now, lent ones when they come back (a later use opens new ones)."""
        with self._lock:
            self._open.clear()
            while True:
                try:
                    self._idle.get_nowait().close()
                except queue.Empty:
                    break

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._conn() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query (for inspection and tests)."""
        with self._conn() as db:
            return db.execute(sql, args).fetchall()

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
        with self._conn() as db:
            row = db.execute("SELECT * FROM jobs WHERE id=?", (jid,)).fetchone()
        if row is None:
            return None
        return Job(id=row["id"], kind=row["kind"], key=row["key"], request=json.loads(row["request"]),
                   status=row["status"], progress=row["progress"], message=row["message"], error=row["error"],
                   created=row["created"], updated=row["updated"])

    def find(self, key: str) -> Job | None:
        """The latest finished (``done``) job with this cache key, or None."""
        with self._conn() as db:
            row = db.execute("SELECT id FROM jobs WHERE key=? AND status='done' ORDER BY updated DESC LIMIT 1",
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
        """Save the result and mark the job done, in one transaction; False if the job was no longer running.

        A document ``{"html": ...}`` (a report) keeps its large inline scripts in ``assets``.
        """
        with self._tx() as db:
            cur = db.execute("UPDATE jobs SET status='done', progress=1, message='done', updated=? "
                             "WHERE id=? AND status IN ('queued', 'running')", (time.time(), jid))
            if cur.rowcount == 0:
                return False
            if isinstance(doc.get("html"), str):
                doc = {**doc, "html": self._pack(db, doc["html"])}
            db.execute("INSERT INTO results (id, doc, csv, figures) VALUES (?,?,?,?)",
                       (jid, json.dumps(doc, allow_nan=False), csv,
                        None if figures is None else json.dumps(figures, allow_nan=False)))
        self.prune()
        return True

    def fail(self, jid: str, error: str, status: str = "failed") -> bool:
        """Mark an unfinished job ``failed`` (or ``cancelled``) with a one-line reason."""
        with self._tx() as db:
            cur = db.execute("UPDATE jobs SET status=?, error=?, updated=? WHERE id=? AND status IN ('queued', 'running')",
                             (status, error, time.time(), jid))
            return cur.rowcount > 0

    def result(self, jid: str) -> tuple[dict[str, Any], str, dict[str, Any] | None] | None:
        """``(doc, csv, figures)`` of a finished job, or None."""
        with self._conn() as db:
            row = db.execute("SELECT doc, csv, figures FROM results WHERE id=?", (jid,)).fetchone()
            if row is None:
                return None
            doc = json.loads(row["doc"])
            if isinstance(doc.get("html"), str):
                doc["html"] = self._unpack(db, doc["html"])
        return doc, row["csv"], (None if row["figures"] is None else json.loads(row["figures"]))

    # --- report scripts, stored once -------------------------------------------------------------
    @staticmethod
    def _pack(db: sqlite3.Connection, html: str) -> str:
        def keep(m: re.Match) -> str:
            body = m.group(1)
            if len(body) < ASSET_MIN:
                return m.group(0)
            h = hashlib.sha256(body.encode()).hexdigest()
            db.execute("INSERT OR IGNORE INTO assets (hash, body) VALUES (?, ?)", (h, body))
            return f'<script data-tradewar-asset="{h}"></script>'

        return _SCRIPT.sub(keep, html)

    @staticmethod
    def _unpack(db: sqlite3.Connection, html: str) -> str:
        def put(m: re.Match) -> str:
            row = db.execute("SELECT body FROM assets WHERE hash=?", (m.group(1),)).fetchone()
            return m.group(0) if row is None else f"<script>{row['body']}</script>"

        return _ASSET.sub(put, html)

    # --- retention ---------------------------------------------------------------------------------
    def size(self) -> int:
        """Bytes of live data in the file (its pages less the free ones)."""
        with self._conn() as db:
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            free = db.execute("PRAGMA freelist_count").fetchone()[0]
            page = db.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * page)

    def counts(self) -> dict[str, int]:
        """Rows of each table."""
        with self._conn() as db:
            return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("jobs", "results", "assets")}

    def prune(self, now: float | None = None) -> int:
        """Apply the retention policy; the number of jobs deleted."""
        if self.keep_days is None and self.max_bytes is None:
            return 0
        now = time.time() if now is None else now
        gone = 0
        if self.keep_days is not None:
            gone += self._delete(f"status IN {_FINISHED_SQL} AND updated < ?", (now - 86400.0 * self.keep_days,))
        if self.max_bytes is not None:
            while self.size() > self.max_bytes:
                with self._conn() as db:
                    n = db.execute(f"SELECT COUNT(*) FROM jobs WHERE status IN {_FINISHED_SQL}").fetchone()[0]
                if n == 0:
                    break
                # the oldest quarter of the finished jobs at a time: few passes, the newest results kept
                gone += self._delete(f"id IN (SELECT id FROM jobs WHERE status IN {_FINISHED_SQL} "
                                     "ORDER BY updated LIMIT ?)", (max(1, n // 4),))
        return gone

    def _delete(self, where: str, args: tuple) -> int:
        with self._tx() as db:
            ids = [r[0] for r in db.execute(f"SELECT id FROM jobs WHERE {where}", args).fetchall()]
            for k in range(0, len(ids), 500):
                part = ids[k:k + 500]
                marks = ",".join("?" * len(part))
                db.execute(f"DELETE FROM results WHERE id IN ({marks})", part)
                db.execute(f"DELETE FROM jobs WHERE id IN ({marks})", part)
            if ids:
                used: set[str] = set()
                for (doc,) in db.execute("SELECT doc FROM results WHERE doc LIKE '%data-tradewar-asset%'"):
                    used.update(_ASSET.findall(str(json.loads(doc).get("html", ""))))
                for (h,) in db.execute("SELECT hash FROM assets").fetchall():
                    if h not in used:
                        db.execute("DELETE FROM assets WHERE hash=?", (h,))
        return len(ids)

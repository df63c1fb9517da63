"""The local Dask cluster of ``--scheduler local`` takes no fixed port (Dask's default 8787 may be anyone's)."""

from __future__ import annotations

import socket

import pytest

pytest.importorskip("distributed", reason="the dask extra is not installed")


def test_local_cluster_starts_while_8787_is_taken():
    from tradewar.batch._chunks import LOCAL_HTTP, _client, _close_cluster

    assert LOCAL_HTTP.endswith(":0") and LOCAL_HTTP.startswith("127.0.0.1")
    held = socket.socket()
    try:
        held.bind(("127.0.0.1", 8787))
        held.listen()
    except OSError:
        pass  # already taken by another process: the situation this test is about
    try:
        client, cluster = _client("local", 1)  # filterwarnings=error: Dask's "Port 8787 is already in use" fails
        try:
            server = cluster.scheduler.http_server
            assert server.port != 8787
            assert client.submit(sum, [1, 2]).result() == 3
            # Dask's notices at a normal close ("Worker process still alive after 4.0 seconds, killing")
            # are not printed on the user's terminal; its errors are
            import logging

            for name in ("distributed.nanny", "distributed.worker", "distributed.scheduler"):
                level = logging.getLogger(name).getEffectiveLevel()
                assert logging.WARNING < level <= logging.ERROR, (name, level)
        finally:
            client.close()
            _close_cluster(cluster)
    finally:
        held.close()

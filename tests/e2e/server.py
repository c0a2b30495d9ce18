"""The application as a real server process (gunicorn) on 127.0.0.1, on the pytest-django test database.

Used by the browser tests, the API contract test and the load benchmark: each asks for the settings module
and environment it needs; rows must be committed (django_db(transaction=True) or a committed session setup)
for the server to see them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from tests.celery_worker import database_url, queue_name

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode}):\n{log_path.read_text()[-4000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"the server did not answer {url}:\n{log_path.read_text()[-4000:]}")


@contextlib.contextmanager
def gunicorn(
    log_path: Path,
    *,
    settings_module: str = "tests.e2e.settings",
    workers: int = 2,
    threads: int = 4,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve the test database with gunicorn; yields the base URL ("http://127.0.0.1:<port>")."""
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_PII_KEY": settings.PII_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "E2E_CELERY_QUEUE": queue_name(),
        **(env or {}),
    }
    args = [
        sys.executable, "-m", "gunicorn", "sumut_umkm.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread" if threads > 1 else "sync",
        "--timeout", "120", "--access-logfile", "-", "--error-logfile", "-",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(args, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base_url}/health/", proc, log_path)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

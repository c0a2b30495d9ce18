"""A real Celery worker process for integration tests, against the test database and the real Redis.

Each test database gets a queue of its own (`test.<database>`): test runs sharing one Redis (parallel
helpers, CI jobs) never take each other's tasks, and a message a killed worker left unacknowledged is
redelivered, if ever, only to this run's queue. The test process sends there (`use_test_queue`, set by
tests/conftest.py for integration tests); workers are started with `python -m tests.celery_worker <queue> …`,
which sets the same default queue for the tasks they send themselves (a job's chunks).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent


def queue_name() -> str:
    """Once the test database is set up, its name is the one in settings."""
    return f"test.{settings.DATABASES['default']['NAME']}"


def database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def use_test_queue() -> None:
    """Send this process's tasks to the test queue. Call before the first task is sent: Celery caches routes."""
    from sumut_umkm.celery import app

    app.conf.task_default_queue = queue_name()


def start_worker(log_path: Path, *, name: str = "w1", concurrency: int = 1) -> subprocess.Popen:
    """Start a worker (solo pool, or prefork with `concurrency` > 1) and wait until it answers a ping."""
    from sumut_umkm.celery import app

    queue = queue_name()
    assert app.amqp.default_queue.name == queue, "use_test_queue() must run before the first task is sent"
    hostname = f"{name}.{queue}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_PII_KEY": settings.PII_KEY,
    }
    pool = ["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"--concurrency={concurrency}"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.celery_worker", queue, "worker", *pool, "-Q", queue, "-n", hostname,
         "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=BASE_DIR, env=env, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Celery worker exited: {log_path.read_text()}")
        if app.control.ping(destination=[hostname], timeout=0.5):
            return proc
    proc.terminate()
    raise RuntimeError(f"Celery worker did not answer: {log_path.read_text()}")


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def kill_worker(proc: subprocess.Popen) -> None:
    """SIGKILL, as the OOM killer or a lost machine would: no cleanup, its current message stays unacknowledged."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=15)


def forget_test_queue() -> None:
    """Drop what is left in Redis for this run's queue: waiting messages and those a killed worker held."""
    import redis

    queue = queue_name()
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(queue)
    for tag, payload in client.hscan_iter("unacked"):  # kombu's Redis transport: [message, exchange, routing key]
        try:
            routing_key = json.loads(payload)[2]
        except (ValueError, IndexError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


if __name__ == "__main__":
    # python -m tests.celery_worker <queue> worker [celery worker options…]
    from sumut_umkm.celery import app

    app.conf.task_default_queue = sys.argv[1]
    app.worker_main(sys.argv[2:])

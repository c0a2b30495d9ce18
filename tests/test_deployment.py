"""Production settings, checked the way an operator would run them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True
    )


def test_check_deploy_passes_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="umkm.sumutprov.go.id",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_application_refuses_to_start_without_a_secret_key_outside_debug():
    result = _manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY wajib diisi" in result.stderr


def test_debug_is_off_unless_asked_for():
    code = "from django.conf import settings as s; print(s.DEBUG, s.TIME_ZONE, s.LANGUAGE_CODE)"
    result = _manage("shell", "-c", code, DJANGO_SECRET_KEY="x" * 60)
    assert result.stdout.split()[-3:] == ["False", "Asia/Jakarta", "id"], result.stdout + result.stderr

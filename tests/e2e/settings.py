"""Settings of the server the browser tests talk to: production settings (DEBUG off), with three test-only
changes that a TLS-terminating proxy and collectstatic make unnecessary in production."""

import os

from sumut_umkm.settings import *  # noqa: F403

# Plain http on 127.0.0.1: no https redirect, and cookies the browser sends back over http.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
# Static files straight from the apps' folders (no collectstatic into the shared tree).
WHITENOISE_USE_FINDERS = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# The test database's own Celery queue (tests/celery_worker.py), so that this run's worker takes the tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ["E2E_CELERY_QUEUE"]
# Test users are created with the fast MD5 hasher (tests/conftest.py); the server must be able to check them.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
# E-mails as files (one per message) in this folder, for tests that check who was told what.
if os.environ.get("E2E_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["E2E_EMAIL_DIR"]
# The Redis-outage test's worker runs beat with only the PLUT notice sweep, every second and with no grace.
if os.environ.get("E2E_NOTICE_SWEEP"):
    PLUT_NOTICE_GRACE_SECONDS = 0
    CELERY_BEAT_SCHEDULE = {"plut-notify-pending": {"task": "plut.tasks.notify_pending_task", "schedule": 1.0}}

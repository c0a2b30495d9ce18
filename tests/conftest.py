import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests talk plain HTTP to the test client and serve static files through the finders.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data (regions, KBLI) and role groups exist in every test, as after `make run`."""
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0)
        from sumut_umkm.roles import roles_sync

        roles_sync()


@pytest.fixture
def celery_worker_process(django_db_setup, tmp_path):
    """Start a real Celery worker (solo pool) on the test database; use with django_db(transaction=True)."""
    from tests.celery_worker import start_worker, stop_worker

    proc = start_worker(tmp_path / "worker.log")
    yield proc
    stop_worker(proc)

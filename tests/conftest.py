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


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Outside integration tests a task runs in the test's process when called; the integration tests use a
    real worker instead. Callbacks after commit still need django_capture_on_commit_callbacks(execute=True)."""
    from sumut_umkm.celery import app

    eager = request.node.get_closest_marker("integration") is None
    app.conf.task_always_eager, app.conf.task_eager_propagates = eager, eager
    if not eager:
        from tests.celery_worker import use_test_queue

        request.getfixturevalue("django_db_setup")  # the queue is named after the test database
        use_test_queue()
    yield
    app.conf.task_always_eager = app.conf.task_eager_propagates = False


def load_reference_data() -> None:
    """What migrations and `make run` put in a database: regions, KBLI, role groups, rule set v1."""
    import importlib

    from django.apps import apps

    from registry.models import RuleSet
    from sumut_umkm.roles import roles_sync

    call_command("load_reference", verbosity=0)
    roles_sync()
    if not RuleSet.objects.exists():
        importlib.import_module("registry.migrations.0004_ruleset_pp7_2021").load_pp7_2021(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data exists in every test, as after `make run`."""
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Transactional tests empty every table when they end; put the reference data back first."""
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or "transaction" in marker.args):
        request.getfixturevalue("transactional_db")
        load_reference_data()


@pytest.fixture
def celery_workers(django_db_setup, tmp_path):
    """Start real Celery workers on the test database, as many as a test needs: `start(concurrency=2)` returns
    the process (tests.celery_worker.kill_worker kills it). All are stopped, and the test queue emptied, at the
    end. Use with django_db(transaction=True): a worker sees only committed rows."""
    from tests.celery_worker import forget_test_queue, start_worker, stop_worker

    started = []

    def start(*, concurrency: int = 1):
        number = len(started) + 1
        proc = start_worker(tmp_path / f"worker{number}.log", name=f"w{number}", concurrency=concurrency)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop_worker(proc)
    forget_test_queue()


@pytest.fixture
def celery_worker_process(celery_workers):
    """One real Celery worker (solo pool) on the test database; use with django_db(transaction=True)."""
    return celery_workers()

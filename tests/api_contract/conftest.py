import pytest

from tests.e2e.server import gunicorn


@pytest.fixture(scope="package")
def api_server(django_db_setup, tmp_path_factory):
    """gunicorn (production settings, DEBUG off) on the test database; yields its base URL."""
    log = tmp_path_factory.mktemp("api-server") / "gunicorn.log"
    with gunicorn(log) as url:
        yield url

import pytest

from tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/admin/registry/enterprise/",
    "/admin/registry/possibleduplicate/",
    "/admin/registry/columnmapping/",
    "/admin/registry/jobrun/",
    "/admin/registry/graduationevent/",
    "/admin/registry/ruleset/",
]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_diskop_staff_can_open_every_registry_work_list(client, url):
    client.force_login(make_staff())
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_a_signed_in_user_without_a_staff_role_cannot(client, url):
    client.force_login(make_user(staff=True))  # staff flag but no role: no permissions
    assert client.get(url).status_code == 403

"""Every page opens for the roles it is for (and renders its template on a phone-width layout)."""

import pytest
from django.urls import reverse

from plut import services
from tests.plut.conftest import submit
from tests.plut.test_staff_events_api import make_event

pytestmark = pytest.mark.django_db


def test_public_pages_open_for_a_signed_out_visitor(client):
    for name in ("plut:catalogue", "plut:signup", "plut:login"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert 'name="viewport"' in response.content.decode()
    assert "Rumah kemasan" in client.get(reverse("plut:catalogue")).content.decode()


def test_owner_pages_open_for_the_owner(client, desk):
    request = submit(desk)
    event = make_event(desk)
    client.force_login(desk.owner)
    for url in (reverse("plut:portal"), reverse("plut:claim-add"), reverse("plut:request-new"),
                reverse("plut:enterprise-edit", args=[desk.enterprise.pk]),
                reverse("plut:figures", args=[desk.enterprise.pk]), request.get_absolute_url(),
                reverse("plut:events"), event.get_absolute_url()):
        assert client.get(url).status_code == 200, url


def test_staff_and_consultant_pages_open_for_them(client, desk):
    request = submit(desk)
    services.request_transition(request=request, user=desk.staff, to="diterima")
    services.request_transition(request=request, user=desk.staff, to="ditugaskan", consultant=desk.consultant)
    client.force_login(desk.staff)
    for url in (reverse("plut:queue"), f"{reverse('plut:queue')}?centre={desk.centre.pk}&status=terbuka",
                reverse("plut:claims"), request.get_absolute_url(), reverse("plut:events")):
        assert client.get(url).status_code == 200, url
    client.force_login(desk.consultant.user)
    response = client.get(request.get_absolute_url())
    assert response.status_code == 200 and "Dijadwalkan" in response.content.decode()
    assert client.get(reverse("plut:claims")).status_code == 403

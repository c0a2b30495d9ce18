"""Another MSME's requests, messages and attachments: 404 on every page and endpoint, for every role."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token

from plut import services
from plut.models import Attachment, RequestStatus
from tests.factories import make_user
from tests.plut.conftest import submit

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def theirs(desk):
    """A request of the other owner, with a message and an attachment."""
    request = submit(desk, owner=desk.other_owner, enterprise=desk.other_enterprise)
    services.request_message(request=request, user=desk.other_owner, text="Rahasia usaha kami",
                             files=[SimpleUploadedFile("nib.pdf", PDF, "application/pdf")])
    return request


def pages(request_id, attachment_id):
    return [
        ("get", reverse("plut:request-detail", args=[request_id]), {}),
        ("post", reverse("plut:request-transition", args=[request_id]), {"to": "dibatalkan"}),
        ("post", reverse("plut:request-message", args=[request_id]), {"text": "halo"}),
        ("post", reverse("plut:request-rate", args=[request_id]), {"rating": "5"}),
        ("get", reverse("plut:attachment-download", args=[attachment_id]), {}),
    ]


def endpoints(request_id):
    return [
        ("get", f"/api/v1/plut/requests/{request_id}/", {}),
        ("post", f"/api/v1/plut/requests/{request_id}/transition/", {"to": "dibatalkan"}),
    ]


def test_an_owner_gets_404_for_another_owners_request_on_every_page(client, desk, theirs):
    attachment = Attachment.objects.get(request=theirs)
    client.force_login(desk.owner)
    for method, url, data in pages(theirs.pk, attachment.pk):
        assert getattr(client, method)(url, data).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.status == RequestStatus.SUBMITTED and theirs.history.count() == 2


def test_an_owners_token_gets_404_for_another_owners_request_and_lists_only_its_own(desk, theirs):
    from rest_framework.test import APIClient

    mine = submit(desk)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=desk.owner).key}")
    for method, url, data in endpoints(theirs.pk):
        assert getattr(api, method)(url, data, format="json").status_code == 404, url
    listed = api.get("/api/v1/plut/requests/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]


def test_a_consultant_sees_only_the_requests_assigned_to_them(client, desk, theirs):
    attachment = Attachment.objects.get(request=theirs)
    services.request_transition(request=theirs, user=desk.staff, to="diterima")
    services.request_transition(request=theirs, user=desk.staff, to="ditugaskan", consultant=desk.other_consultant)
    client.force_login(desk.consultant.user)
    for method, url, data in pages(theirs.pk, attachment.pk)[:3] + pages(theirs.pk, attachment.pk)[4:]:
        assert getattr(client, method)(url, data).status_code == 404, url
    client.force_login(desk.other_consultant.user)
    assert client.get(reverse("plut:request-detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("plut:attachment-download", args=[attachment.pk])).status_code == 200


def test_a_user_without_a_plut_role_gets_nothing(client, desk, theirs):
    client.force_login(make_user(staff=True))
    assert client.get(reverse("plut:request-detail", args=[theirs.pk])).status_code == 403
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(make_user(staff=True))
    assert api.get("/api/v1/plut/requests/").status_code == 403


def test_the_owner_and_staff_download_an_attachment_and_the_file_is_not_under_media(client, desk, theirs):
    attachment = Attachment.objects.get(request=theirs)
    assert "media" not in attachment.file.path
    client.force_login(desk.other_owner)
    response = client.get(reverse("plut:attachment-download", args=[attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    client.force_login(desk.staff)
    assert client.get(reverse("plut:attachment-download", args=[attachment.pk])).status_code == 200


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(client, desk):
    request = submit(desk)
    client.force_login(desk.owner)
    fake = SimpleUploadedFile("surat.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")
    response = client.post(reverse("plut:request-message", args=[request.pk]), {"text": "ini", "files": fake})
    assert response.status_code == 400
    assert "bukan PDF, JPEG atau PNG" in response.content.decode()
    assert not Attachment.objects.filter(request=request).exists()


def test_a_png_is_accepted_and_a_too_large_file_is_refused(client, desk, monkeypatch):
    request = submit(desk)
    client.force_login(desk.owner)
    ok = SimpleUploadedFile("foto.png", PNG, "image/png")
    assert client.post(reverse("plut:request-message", args=[request.pk]), {"files": ok}).status_code == 302
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 100)
    big = SimpleUploadedFile("besar.pdf", PDF + b"0" * 200, "application/pdf")
    response = client.post(reverse("plut:request-message", args=[request.pk]), {"files": big})
    assert response.status_code == 400 and "lebih dari 5 MB" in response.content.decode()
    assert list(Attachment.objects.filter(request=request).values_list("content_type", flat=True)) == ["image/png"]


def test_an_owner_does_not_see_internal_notes(client, desk):
    request = submit(desk)
    services.request_note(request=request, user=desk.staff, text="Catatan internal petugas")
    client.force_login(desk.owner)
    assert "Catatan internal petugas" not in client.get(request.get_absolute_url()).content.decode()
    client.force_login(desk.staff)
    assert "Catatan internal petugas" in client.get(request.get_absolute_url()).content.decode()

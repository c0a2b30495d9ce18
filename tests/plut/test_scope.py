"""Who sees which PLUT rows, from the outside: a consultant sees only the requests assigned to them (pages, admin,
API) and nothing of the registry; a regency office sees only its regency's claims, requests and registrations;
and the admin's write paths go through the services (workflow, waiting list, pembinaan ledger)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from plut import services
from plut.models import (
    ClaimKind,
    ClaimStatus,
    EnterpriseClaim,
    EventRegistration,
    RegistrationStatus,
    RequestStatus,
    ServiceRequest,
)
from registry.models import StaffRegion, SupportRecord
from tests.factories import make_enterprise, make_owner, make_staff
from tests.plut.conftest import make_event, make_msme, submit

pytestmark = pytest.mark.django_db

OTHER_REGENCY = "12.75"


def api_for(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def assign(request, desk, consultant):
    services.request_transition(request=request, user=desk.staff, to=RequestStatus.ACCEPTED)
    services.request_transition(request=request, user=desk.staff, to=RequestStatus.ASSIGNED, consultant=consultant)


def admin_url(model: str, view: str, *args) -> str:
    return reverse(f"admin:plut_{model}_{view}", args=args)


def admin_says_not_found(client, url) -> bool:
    """The admin answers an id outside the user's queryset as it answers one that does not exist."""
    response = client.get(url, follow=True)
    return response.redirect_chain[-1][0] == reverse("admin:index") if response.redirect_chain else False


class FormValues(HTMLParser):
    """The values a browser would submit from the page's form with id `form_id`, as rendered."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.values, self.select, self.textarea = form_id, False, {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.values[attrs["name"]] = attrs.get("value", "on")
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.values[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False


def form_values(response, form_id: str) -> dict:
    parser = FormValues(form_id)
    parser.feed(response.content.decode())
    return parser.values


# --- consultants -----------------------------------------------------------------------------------------------


@pytest.fixture
def two_requests(desk):
    """One request assigned to desk.consultant, one to desk.other_consultant (the other MSME's legal aid)."""
    mine = submit(desk)
    assign(mine, desk, desk.consultant)
    theirs = submit(desk, owner=desk.other_owner, enterprise=desk.other_enterprise,
                    description="Bantuan hukum: sengketa merek dagang.")
    services.request_message(request=theirs, user=desk.other_owner, text="Rahasia sengketa kami")
    assign(theirs, desk, desk.other_consultant)
    return mine, theirs


def test_a_consultant_lists_and_opens_only_their_assigned_requests_in_the_admin(client, desk, two_requests):
    mine, theirs = two_requests
    client.force_login(desk.consultant.user)
    listed = client.get(admin_url("servicerequest", "changelist"))
    assert listed.status_code == 200
    assert [row.pk for row in listed.context["cl"].result_list] == [mine.pk]
    assert client.get(admin_url("servicerequest", "change", mine.pk)).status_code == 200
    assert admin_says_not_found(client, admin_url("servicerequest", "change", theirs.pk))
    assert "Rahasia sengketa kami" not in client.get(admin_url("servicerequest", "change", theirs.pk),
                                                     follow=True).content.decode()


def test_nobody_edits_a_requests_workflow_fields_in_the_admin(client, desk, two_requests):
    mine, _theirs = two_requests
    for user in (desk.consultant.user, desk.staff):
        client.force_login(user)
        page = client.get(admin_url("servicerequest", "change", mine.pk))
        assert page.status_code == 200 and reverse("plut:request-detail", args=[mine.pk]) in page.content.decode()
        response = client.post(admin_url("servicerequest", "change", mine.pk), {
            "consultant": desk.other_consultant.pk, "outcome": "Selesai tanpa kerja", "status": "selesai",
            "enterprise": desk.other_enterprise.pk, "scheduled_at_0": "01-01-2030", "scheduled_at_1": "10:00",
        })
        assert response.status_code == 403
        assert client.get(admin_url("servicerequest", "add")).status_code == 403
    mine.refresh_from_db()
    assert (mine.consultant, mine.status, mine.outcome, mine.enterprise) == (
        desk.consultant, RequestStatus.ASSIGNED, "", desk.enterprise)


def test_a_consultants_token_lists_only_their_requests_and_gets_404_for_another(desk, two_requests):
    mine, theirs = two_requests
    api = api_for(desk.consultant.user)
    assert [row["id"] for row in api.get("/api/v1/plut/requests/").json()["results"]] == [mine.pk]
    assert api.get(f"/api/v1/plut/requests/{theirs.pk}/").status_code == 404
    response = api.post(f"/api/v1/plut/requests/{theirs.pk}/transition/", {"to": "menunggu_kelengkapan",
                                                                            "note": "x"}, format="json")
    assert response.status_code == 404


def test_a_consultant_has_no_registry_pages_lists_or_api(client, desk, two_requests):
    client.force_login(desk.consultant.user)
    enterprise = desk.enterprise  # even the enterprise of their own request
    assert client.get(reverse("registry:enterprise-detail", args=[enterprise.pk])).status_code == 403
    assert client.get(reverse("admin:registry_enterprise_changelist")).status_code == 403
    api = api_for(desk.consultant.user)
    assert api.get("/api/v1/enterprises/").status_code == 403
    assert api.get(f"/api/v1/enterprises/{enterprise.pk}/").status_code == 403


def test_a_consultant_finds_the_enterprises_contact_details_on_their_requests_page(client, desk, two_requests):
    mine, _theirs = two_requests
    owner = make_owner("Butet Sitorus", phone="081234567890", email="butet@contoh.id")
    desk.enterprise.owner = owner
    desk.enterprise.save()
    client.force_login(desk.consultant.user)
    page = client.get(reverse("plut:request-detail", args=[mine.pk])).content.decode()
    assert "Butet Sitorus" in page and "081234567890" in page and "butet@contoh.id" in page
    assert desk.enterprise.nib in page
    assert reverse("registry:enterprise-detail", args=[desk.enterprise.pk]) not in page


# --- regency offices -------------------------------------------------------------------------------------------


@pytest.fixture
def office(desk):
    """Staff of the regency office of 12.75, and PLUT rows in and outside it."""
    staff = make_staff("petugas_kab")
    StaffRegion.objects.create(user=staff, regency_id=OTHER_REGENCY)
    local = make_enterprise("Usaha Binjai", regency=OTHER_REGENCY, district="12.75.01")
    local_owner, _ = make_msme(local, username="pemilik_binjai")
    outside = EnterpriseClaim.objects.create(user=desk.owner, kind=ClaimKind.EXISTING,
                                             enterprise=make_enterprise("Usaha Medan"), status=ClaimStatus.PENDING)
    local_existing = EnterpriseClaim.objects.create(user=local_owner, kind=ClaimKind.EXISTING,
                                                    enterprise=make_enterprise("Usaha Binjai 2", regency=OTHER_REGENCY,
                                                                               district="12.75.01"))
    local_new = services.claim_create(user=desk.other_owner, name="Usaha Baru Binjai", regency_id=OTHER_REGENCY)
    outside_new = services.claim_create(user=desk.other_owner, name="Usaha Baru Medan", regency_id="12.71")
    return type("Office", (), {
        "staff": staff, "enterprise": local, "owner": local_owner, "claims_in": {local_existing.pk, local_new.pk},
        "confirmed_in": EnterpriseClaim.objects.get(user=local_owner, enterprise=local).pk,
        "claims_out": {outside.pk, outside_new.pk},
    })


def test_a_regency_office_sees_and_decides_only_its_regencys_claims(client, desk, office):
    client.force_login(office.staff)
    listed = client.get(reverse("plut:claims"))
    assert {claim.pk for claim in listed.context["page"]} == office.claims_in
    admin_list = client.get(admin_url("enterpriseclaim", "changelist"))
    assert {claim.pk for claim in admin_list.context["cl"].result_list} == office.claims_in | {office.confirmed_in}
    for pk in office.claims_out:
        assert client.post(reverse("plut:claim-decide", args=[pk]), {"decision": "confirm"}).status_code == 404
        assert admin_says_not_found(client, admin_url("enterpriseclaim", "change", pk))
    client.post(admin_url("enterpriseclaim", "changelist"),
                {"action": "confirm", "_selected_action": sorted(office.claims_out | office.claims_in)})
    statuses = dict(EnterpriseClaim.objects.values_list("pk", "status"))
    assert {statuses[pk] for pk in office.claims_out} == {ClaimStatus.PENDING}
    assert {statuses[pk] for pk in office.claims_in} == {ClaimStatus.CONFIRMED}


def test_a_regency_office_sees_only_its_regencys_requests_everywhere(client, desk, office):
    medan = submit(desk)
    local = submit(desk, owner=office.owner, enterprise=office.enterprise)
    client.force_login(office.staff)
    assert [row.pk for row in client.get(reverse("plut:queue")).context["page"]] == [local.pk]
    assert [row.pk for row in client.get(admin_url("servicerequest", "changelist")).context["cl"].result_list] \
        == [local.pk]
    assert client.get(reverse("plut:request-detail", args=[medan.pk])).status_code == 404
    assert client.post(reverse("plut:request-transition", args=[medan.pk]), {"to": "diterima"}).status_code == 404
    assert admin_says_not_found(client, admin_url("servicerequest", "change", medan.pk))
    api = api_for(office.staff)
    assert [row["id"] for row in api.get("/api/v1/plut/requests/").json()["results"]] == [local.pk]
    assert api.get(f"/api/v1/plut/requests/{medan.pk}/").status_code == 404
    medan.refresh_from_db()
    assert medan.status == RequestStatus.SUBMITTED


def test_a_regency_office_cannot_file_a_request_for_another_regencys_enterprise(desk, office):
    response = api_for(office.staff).post("/api/v1/plut/requests/", {
        "enterprise": desk.enterprise.pk, "service": desk.service.pk, "centre": desk.centre.pk,
        "description": "Atas nama UMKM kabupaten lain.",
    }, format="json")
    assert response.status_code == 400 and "enterprise" in response.json()
    assert not ServiceRequest.objects.filter(enterprise=desk.enterprise).exists()


def test_a_regency_office_sees_and_marks_attendance_only_for_its_regencys_registrations(client, desk, office):
    event = make_event(desk, capacity=5)
    medan = services.event_register(event=event, enterprise=desk.enterprise, user=desk.owner)
    local = services.event_register(event=event, enterprise=office.enterprise, user=office.owner)
    services.attendance_set(registrations=EventRegistration.objects.filter(event=event), attended_ids={medan.pk})
    client.force_login(office.staff)
    page = client.get(reverse("plut:event-detail", args=[event.pk]))
    assert [row.pk for row in page.context["registrations"]] == [local.pk]
    client.post(reverse("plut:event-attendance", args=[event.pk]), {"attended": [str(local.pk)]})
    medan.refresh_from_db()
    local.refresh_from_db()
    assert medan.attended and local.attended  # the Medan attendance was not un-ticked by the regency office
    assert SupportRecord.objects.filter(source_key=f"plut.event:{medan.pk}").exists()
    # The event belongs to the Medan centre: a regency office does not edit it in the admin.
    assert admin_says_not_found(client, admin_url("event", "change", event.pk))


# --- admin write paths go through the services -------------------------------------------------------------------


def event_change_post(client, event, **changes) -> tuple[dict, object]:
    url = admin_url("event", "change", event.pk)
    values = form_values(client.get(url), "event_form")
    values.update(changes)
    return values, client.post(url, values)


def test_raising_the_capacity_in_the_admin_gives_places_to_the_waiting_list(client, desk):
    event = make_event(desk, capacity=1)
    first = services.event_register(event=event, enterprise=desk.enterprise, user=desk.owner)
    waiting = services.event_register(event=event, enterprise=desk.other_enterprise, user=desk.other_owner)
    assert (first.status, waiting.status) == (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)
    client.force_login(desk.staff)
    _values, response = event_change_post(client, event, capacity="2")
    assert response.status_code == 302, response.context["adminform"].form.errors
    waiting.refresh_from_db()
    event.refresh_from_db()
    assert event.capacity == 2 and waiting.status == RegistrationStatus.REGISTERED and waiting.notice_pending


def test_the_admin_refuses_a_capacity_below_the_registered_participants(client, desk):
    event = make_event(desk, capacity=2)
    services.event_register(event=event, enterprise=desk.enterprise, user=desk.owner)
    services.event_register(event=event, enterprise=desk.other_enterprise, user=desk.other_owner)
    client.force_login(desk.staff)
    _values, response = event_change_post(client, event, capacity="1")
    assert response.status_code == 200
    assert "Kapasitas tidak boleh kurang dari peserta terdaftar (2)" in str(response.context["adminform"].form.errors)
    event.refresh_from_db()
    assert event.capacity == 2


def test_ticking_attendance_in_the_admin_writes_the_pembinaan_ledger(client, desk):
    event = make_event(desk, capacity=5)
    came = services.event_register(event=event, enterprise=desk.enterprise, user=desk.owner)
    services.event_register(event=event, enterprise=desk.other_enterprise, user=desk.other_owner)
    client.force_login(desk.staff)
    url = admin_url("event", "change", event.pk)
    values = form_values(client.get(url), "event_form")
    row = next(key[: -len("-id")] for key, value in values.items() if key.endswith("-id") and value == str(came.pk))
    values[f"{row}-attended"] = "on"
    assert client.post(url, values).status_code == 302
    came.refresh_from_db()
    assert came.attended
    record = SupportRecord.objects.get(source_key=f"plut.event:{came.pk}")
    assert (record.enterprise_id, record.kind) == (desk.enterprise.pk, "pelatihan")
    # Un-ticking it removes the ledger row again.
    values.pop(f"{row}-attended")
    assert client.post(url, values).status_code == 302
    assert not SupportRecord.objects.filter(source_key=f"plut.event:{came.pk}").exists()

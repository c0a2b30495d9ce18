from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from plut import services, tasks
from plut.models import EventRegistration, RequestEvent, ServiceRequest
from registry.models import SupportRecord
from tests.plut.conftest import make_event, make_msme, submit

pytestmark = pytest.mark.django_db


def test_staff_queue_marks_overdue_requests_and_shows_consultant_workload(client, desk):
    late = submit(desk)
    ServiceRequest.objects.filter(pk=late.pk).update(due_on=date(2026, 1, 5))
    services.request_transition(request=late, user=desk.staff, to="diterima")
    services.request_transition(request=late, user=desk.staff, to="ditugaskan", consultant=desk.consultant)
    on_time = submit(desk)
    client.force_login(desk.staff)
    response = client.get(reverse("plut:queue"), {"centre": desk.centre.pk, "terlambat": "1"})
    assert [r.pk for r in response.context["page"]] == [late.pk]
    assert "terlambat" in response.content.decode()
    workload = {c.pk: (c.open_count, c.overdue_count) for c in response.context["workload"]}
    assert workload[desk.consultant.pk] == (1, 1) and workload[desk.other_consultant.pk] == (0, 0)
    all_rows = client.get(reverse("plut:queue"), {"centre": desk.centre.pk}).context["page"]
    assert {r.pk for r in all_rows} == {late.pk, on_time.pk}


def test_a_consultants_queue_holds_only_their_requests(client, desk):
    mine = submit(desk)
    services.request_transition(request=mine, user=desk.staff, to="diterima")
    services.request_transition(request=mine, user=desk.staff, to="ditugaskan", consultant=desk.consultant)
    submit(desk)
    client.force_login(desk.consultant.user)
    assert [r.pk for r in client.get(reverse("plut:queue")).context["page"]] == [mine.pk]


def test_staff_move_a_request_through_the_page_and_an_invalid_move_shows_the_reason(client, desk):
    request = submit(desk)
    client.force_login(desk.staff)
    response = client.post(reverse("plut:request-transition", args=[request.pk]), {"to": "selesai"})
    assert response.status_code == 400
    assert "tidak dapat diubah ke" in response.content.decode()
    response = client.post(reverse("plut:request-transition", args=[request.pk]), {"to": "diterima"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "diterima"


def test_the_api_transition_refuses_with_a_clear_message_and_works_for_staff(desk):
    request = submit(desk)
    api = APIClient()
    api.force_authenticate(desk.owner)
    response = api.post(f"/api/v1/plut/requests/{request.pk}/transition/", {"to": "diterima"}, format="json")
    assert response.status_code == 400
    assert response.json()["to"] == [
        'Permohonan berstatus "Diajukan" tidak dapat diubah ke "Diterima" oleh peran Anda.']
    api.force_authenticate(desk.staff)
    response = api.post(f"/api/v1/plut/requests/{request.pk}/transition/", {"to": "diterima"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "diterima"


def test_an_owner_submits_through_the_api_and_services_and_events_are_listed(desk):
    api = APIClient()
    api.force_authenticate(desk.owner)
    response = api.post("/api/v1/plut/requests/", {"enterprise": desk.enterprise.pk, "service": desk.service.pk,
                                                    "centre": desk.centre.pk, "description": "Butuh NIB"},
                        format="json")
    assert response.status_code == 201 and response.json()["status"] == "diajukan"
    refused = api.post("/api/v1/plut/requests/", {"enterprise": desk.other_enterprise.pk,
                                                   "service": desk.service.pk, "centre": desk.centre.pk,
                                                   "description": "x"}, format="json")
    assert refused.status_code == 400 and "enterprise" in refused.json()
    assert len(api.get("/api/v1/plut/services/").json()["results"]) == 8
    assert api.get("/api/v1/plut/events/").status_code == 200


def test_a_full_event_puts_the_next_owner_on_the_waiting_list_and_a_freed_place_goes_to_them(
        client, desk, mailoutbox, django_capture_on_commit_callbacks):
    event = make_event(desk)
    client.force_login(desk.owner)
    client.post(reverse("plut:event-detail", args=[event.pk]), {"enterprise": desk.enterprise.pk})
    client.force_login(desk.other_owner)
    client.post(reverse("plut:event-detail", args=[event.pk]), {"enterprise": desk.other_enterprise.pk})
    first = EventRegistration.objects.get(enterprise=desk.enterprise)
    second = EventRegistration.objects.get(enterprise=desk.other_enterprise)
    assert (first.status, second.status) == ("terdaftar", "daftar_tunggu")
    # The other owner cannot cancel the first owner's place.
    assert client.post(reverse("plut:registration-cancel", args=[first.pk])).status_code == 404
    client.force_login(desk.owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("plut:registration-cancel", args=[first.pk]))
    second.refresh_from_db()
    assert second.status == "terdaftar"
    assert mailoutbox[-1].to == ["pemilik_b@contoh.id"]


def test_an_enterprise_registers_once_and_staff_record_attendance(client, desk):
    event = make_event(desk, capacity=5)
    services.event_register(event=event, enterprise=desk.enterprise, user=desk.owner)
    with pytest.raises(ValidationError, match="sudah terdaftar"):
        services.event_register(event=event, enterprise=desk.enterprise, user=desk.owner)
    registration = EventRegistration.objects.get(event=event)
    client.force_login(desk.staff)
    client.post(reverse("plut:event-attendance", args=[event.pk]), {"attended": [str(registration.pk)]})
    registration.refresh_from_db()
    assert registration.attended
    # Attending counts as pembinaan in the enterprise's ledger; un-ticking takes it out again.
    ledger = SupportRecord.objects.filter(enterprise=desk.enterprise, source_key=f"plut.event:{registration.pk}")
    assert list(ledger.values_list("source", "title", "outcome")) == [("plut", event.title, "hadir")]
    client.post(reverse("plut:event-attendance", args=[event.pk]), {})
    registration.refresh_from_db()
    assert not registration.attended and not ledger.exists()


def test_raising_the_capacity_fills_places_from_the_waiting_list(desk):
    event = make_event(desk)
    third_owner, third = make_msme()
    for owner, enterprise in ((desk.owner, desk.enterprise), (desk.other_owner, desk.other_enterprise),
                              (third_owner, third)):
        services.event_register(event=event, enterprise=enterprise, user=owner)
    promoted = services.event_capacity_set(event=event, capacity=2)
    assert EventRegistration.objects.filter(pk__in=promoted).get().enterprise == desk.other_enterprise
    assert EventRegistration.objects.get(enterprise=third).status == "daftar_tunggu"


def test_the_overdue_escalation_emails_the_centre_head_once(desk, mailoutbox):
    late = submit(desk)
    ServiceRequest.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    submit(desk)  # not yet due
    assert tasks.escalate_overdue_task() == 1
    assert tasks.escalate_overdue_task() == 0
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["kepala@plut.id"]
    assert f"#{late.pk}" in mailoutbox[0].body
    assert RequestEvent.objects.filter(request=late, kind="eskalasi").count() == 1

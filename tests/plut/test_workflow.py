from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from plut import services
from plut.models import Centre, RequestEvent, RequestStatus, ServiceRequest
from registry.models import SupportRecord
from tests.plut.conftest import make_consultant, submit

pytestmark = pytest.mark.django_db
S = RequestStatus
WIB = ZoneInfo("Asia/Jakarta")


def on(monkeypatch, day: date):
    monkeypatch.setattr(services, "_today", lambda: day)


def walk_to(desk, request, status):
    """Staff and the consultant move a request along the normal path up to `status`."""
    steps = [
        (S.ACCEPTED, desk.staff, {}),
        (S.ASSIGNED, desk.staff, {"consultant": desk.consultant}),
        (S.SCHEDULED, desk.consultant.user, {"scheduled_at": datetime(2026, 7, 6, 10, tzinfo=WIB),
                                             "location": "Kantor PLUT Medan"}),
        (S.IN_PROGRESS, desk.consultant.user, {}),
        (S.DONE, desk.consultant.user, {"outcome": "Strategi pemasaran daring disusun"}),
    ]
    for to, user, extra in steps:
        request = services.request_transition(request=request, user=user, to=to, **extra)
        if to == status:
            return request
    return request


def test_a_submitted_request_is_due_after_the_service_target_in_working_days(desk, monkeypatch):
    on(monkeypatch, date(2026, 3, 17))  # konsultasi: 5 working days, across Nyepi and Idul Fitri
    request = submit(desk)
    assert request.status == S.SUBMITTED
    assert request.due_on == date(2026, 3, 31)
    assert list(request.history.values_list("to_status", flat=True)) == [S.SUBMITTED]


def test_an_owner_cannot_request_a_service_for_an_enterprise_that_is_not_theirs(desk):
    with pytest.raises(ValidationError) as exc:
        submit(desk, enterprise=desk.other_enterprise)
    assert "enterprise" in exc.value.message_dict


def test_the_whole_path_records_every_step_and_writes_the_pembinaan_ledger(desk, monkeypatch):
    on(monkeypatch, date(2026, 7, 1))
    request = submit(desk)
    request = walk_to(desk, request, S.DONE)
    assert request.status == S.DONE and request.closed_on == date(2026, 7, 1)
    assert list(request.history.values_list("to_status", flat=True)) == [
        S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.SCHEDULED, S.IN_PROGRESS, S.DONE]
    record = SupportRecord.objects.get(source_key=f"plut.request:{request.pk}")
    assert (record.source, record.kind, record.enterprise_id) == ("plut", "penyuluhan", desk.enterprise.pk)
    assert record.provider == desk.centre.name and record.title == desk.service.name
    assert record.ended_on == date(2026, 7, 1) and record.outcome == "Strategi pemasaran daring disusun"


def test_an_open_request_is_not_yet_in_the_ledger(desk):
    request = walk_to(desk, submit(desk), S.IN_PROGRESS)
    assert not SupportRecord.objects.filter(source_key=f"plut.request:{request.pk}").exists()


def test_a_request_cannot_skip_steps_and_the_refusal_names_both_statuses(desk):
    request = submit(desk)
    with pytest.raises(ValidationError) as exc:
        services.request_transition(request=request, user=desk.staff, to=S.DONE, outcome="x")
    assert exc.value.message_dict["to"] == [
        'Permohonan berstatus "Diajukan" tidak dapat diubah ke "Selesai" oleh peran Anda.']
    request.refresh_from_db()
    assert request.status == S.SUBMITTED


def test_an_owner_cannot_accept_its_own_request_and_a_consultant_cannot_reject_it(desk):
    request = submit(desk)
    with pytest.raises(ValidationError):
        services.request_transition(request=request, user=desk.owner, to=S.ACCEPTED)
    request = walk_to(desk, request, S.ASSIGNED)
    with pytest.raises(ValidationError):
        services.request_transition(request=request, user=desk.consultant.user, to=S.REJECTED, note="x")


def test_rejecting_needs_a_reason(desk):
    with pytest.raises(ValidationError) as exc:
        services.request_transition(request=submit(desk), user=desk.staff, to=S.REJECTED)
    assert "note" in exc.value.message_dict


def test_only_an_active_consultant_of_the_same_centre_can_be_assigned(desk):
    elsewhere = make_consultant(Centre.objects.get(code="plut-deli-serdang"), "konsultan_ds")
    request = walk_to(desk, submit(desk), S.ACCEPTED)
    with pytest.raises(ValidationError) as exc:
        services.request_transition(request=request, user=desk.staff, to=S.ASSIGNED, consultant=elsewhere)
    assert "consultant" in exc.value.message_dict


def test_scheduling_needs_a_time_and_a_place_or_link(desk):
    request = walk_to(desk, submit(desk), S.ASSIGNED)
    with pytest.raises(ValidationError) as exc:
        services.request_transition(request=request, user=desk.consultant.user, to=S.SCHEDULED)
    assert {"scheduled_at", "location"} <= set(exc.value.message_dict)


def test_closing_needs_an_outcome(desk):
    request = walk_to(desk, submit(desk), S.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.request_transition(request=request, user=desk.consultant.user, to=S.DONE)
    assert "outcome" in exc.value.message_dict


@pytest.mark.parametrize("status", [S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.SCHEDULED])
def test_the_owner_can_cancel_before_work_starts(desk, status):
    request = walk_to(desk, submit(desk), status) if status != S.SUBMITTED else submit(desk)
    request = services.request_transition(request=request, user=desk.owner, to=S.CANCELLED)
    assert request.status == S.CANCELLED and request.closed_on is not None


def test_the_owner_cannot_cancel_once_work_has_started(desk):
    request = walk_to(desk, submit(desk), S.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.request_transition(request=request, user=desk.owner, to=S.CANCELLED)


def test_waiting_for_documents_pauses_the_due_date_and_returns_to_the_previous_step(desk, monkeypatch):
    on(monkeypatch, date(2026, 7, 1))  # Wednesday; due 5 working days later: Wed 8 Jul
    request = walk_to(desk, submit(desk), S.ASSIGNED)
    assert request.due_on == date(2026, 7, 8)
    request = services.request_transition(request=request, user=desk.consultant.user, to=S.WAITING,
                                          note="Mohon kirim foto produk")
    assert request.resume_status == S.ASSIGNED
    assert not ServiceRequest.objects.overdue(date(2026, 7, 20)).filter(pk=request.pk).exists()
    on(monkeypatch, date(2026, 7, 6))  # the MSME answers the next Monday: 3 working days paused (2, 3, 6 Jul)
    assert services.allowed_transitions(request, desk.owner) == [S.ASSIGNED, S.CANCELLED]
    request = services.request_transition(request=request, user=desk.owner, to=S.ASSIGNED)
    assert request.status == S.ASSIGNED and request.waiting_since is None
    assert request.due_on == date(2026, 7, 13)


def test_waiting_needs_a_note_saying_what_is_missing(desk):
    with pytest.raises(ValidationError) as exc:
        services.request_transition(request=submit(desk), user=desk.staff, to=S.WAITING)
    assert "note" in exc.value.message_dict


def test_a_request_past_its_due_date_is_overdue_unless_closed(desk, monkeypatch):
    on(monkeypatch, date(2026, 7, 1))
    request = submit(desk)
    assert ServiceRequest.objects.overdue(date(2026, 7, 9)).filter(pk=request.pk).exists()
    assert not ServiceRequest.objects.overdue(date(2026, 7, 8)).filter(pk=request.pk).exists()
    assert request.is_overdue(date(2026, 7, 9))
    services.request_transition(request=request, user=desk.staff, to=S.REJECTED, note="Bukan layanan PLUT")
    assert not ServiceRequest.objects.overdue(date(2026, 7, 9)).filter(pk=request.pk).exists()


def test_the_owner_rates_a_finished_service_once(desk):
    request = submit(desk)
    with pytest.raises(ValidationError):
        services.request_rate(request=request, user=desk.owner, rating=5)
    request = walk_to(desk, request, S.DONE)
    services.request_rate(request=request, user=desk.owner, rating=4, comment="Membantu")
    request.refresh_from_db()
    assert request.rating == 4
    with pytest.raises(ValidationError):
        services.request_rate(request=request, user=desk.owner, rating=5)


def test_messages_and_notes_are_kept_in_the_history(desk):
    request = submit(desk)
    services.request_message(request=request, user=desk.owner, text="Apakah bisa daring?")
    services.request_note(request=request, user=desk.staff, text="UMKM aktif di Instagram")
    kinds = list(RequestEvent.objects.filter(request=request).values_list("kind", flat=True))
    assert kinds == ["status", "pesan", "catatan"]
    assert list(RequestEvent.objects.for_user(desk.owner).filter(request=request).values_list("kind", flat=True)) \
        == ["status", "pesan"]


def test_each_transition_emails_the_owner_after_commit(desk, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(desk)
    assert [m.to for m in mailoutbox] == [["kepala@plut.id"]]  # the owner acted; the centre head hears
    with django_capture_on_commit_callbacks(execute=True):
        services.request_transition(request=request, user=desk.staff, to=S.ACCEPTED)
    assert mailoutbox[-1].to == ["pemilik_a@contoh.id"]
    assert "Diterima" in mailoutbox[-1].subject


def test_no_email_is_sent_when_the_transaction_rolls_back(desk, mailoutbox, django_capture_on_commit_callbacks):
    request = submit(desk)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.request_transition(request=request, user=desk.staff, to=S.REJECTED)
    assert mailoutbox == []

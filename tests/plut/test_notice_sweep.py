"""Notices survive a Redis outage: what could not be queued when it was due goes out on the next sweep, once.

Redis being down is simulated as the app meets it: the task's .delay() raises the broker's connection error
(sumut_umkm.queue.enqueue_on_commit catches it); the sweep then runs with the broker back."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError

from plut import notices, services, tasks
from plut.models import ClaimStatus, EnterpriseClaim, EventRegistration
from sumut_umkm import roles
from tests.factories import make_enterprise, make_staff, make_user
from tests.plut.conftest import make_event, submit

pytestmark = pytest.mark.django_db


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def no_grace(settings):
    """The sweep takes any pending notice at once (normally it waits a minute for the notice's own task)."""
    settings.PLUT_NOTICE_GRACE_SECONDS = 0


def pending_claim():
    user = make_user("budi", role=roles.MSME_OWNER, email="budi@contoh.id")
    return services.claim_create(user=user, nib=make_enterprise().nib)


def decide(claim, callbacks, *, confirm=True, note=""):
    with callbacks(execute=True):
        return services.claim_decide(claim=claim, user=make_staff(), confirm=confirm, note=note)


def waiting_list_promotion(desk, callbacks):
    """The owner's place is given up, so the other owner's waiting registration is promoted; returns it."""
    event = make_event(desk, capacity=1)
    services.event_register(event=event, enterprise=desk.enterprise, user=desk.owner)
    services.event_register(event=event, enterprise=desk.other_enterprise, user=desk.other_owner)
    first = EventRegistration.objects.get(event=event, enterprise=desk.enterprise)
    with callbacks(execute=True):
        promoted = services.registration_cancel(registration=first, user=desk.owner)
    return EventRegistration.objects.get(pk__in=promoted)


def test_a_claim_decided_while_redis_is_down_is_emailed_once_by_the_next_sweep(
        monkeypatch, mailoutbox, django_capture_on_commit_callbacks, settings):
    claim = pending_claim()
    with monkeypatch.context() as outage:
        outage.setattr(tasks.notify_claim_task, "delay", broker_down)
        decide(claim, django_capture_on_commit_callbacks)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CONFIRMED  # the decision is saved all the same
    assert mailoutbox == []
    tasks.notify_pending_task()
    assert mailoutbox == []  # within the grace period the notice's own task is still expected
    settings.PLUT_NOTICE_GRACE_SECONDS = 0
    tasks.notify_pending_task()
    tasks.notify_pending_task()
    assert [m.to for m in mailoutbox] == [["budi@contoh.id"]]
    assert "kini terhubung" in mailoutbox[0].subject


def test_a_rejected_claims_notice_kept_back_by_an_outage_gives_the_reason(
        monkeypatch, mailoutbox, django_capture_on_commit_callbacks, no_grace):
    claim = pending_claim()
    with monkeypatch.context() as outage:
        outage.setattr(tasks.notify_claim_task, "delay", broker_down)
        decide(claim, django_capture_on_commit_callbacks, confirm=False, note="NIB milik usaha lain")
    tasks.notify_pending_task()
    assert len(mailoutbox) == 1 and "NIB milik usaha lain" in mailoutbox[0].body


def test_a_claim_notice_sent_directly_is_not_sent_again_by_the_sweep(
        mailoutbox, django_capture_on_commit_callbacks, no_grace):
    decide(pending_claim(), django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1
    assert tasks.notify_pending_task() == 0
    assert len(mailoutbox) == 1


def test_a_place_freed_while_redis_is_down_is_announced_once_by_the_next_sweep(
        desk, monkeypatch, mailoutbox, django_capture_on_commit_callbacks, no_grace):
    with monkeypatch.context() as outage:
        outage.setattr(tasks.notify_promoted_task, "delay", broker_down)
        promoted = waiting_list_promotion(desk, django_capture_on_commit_callbacks)
    assert promoted.enterprise == desk.other_enterprise and promoted.status == "terdaftar"
    assert mailoutbox == []
    tasks.notify_pending_task()
    tasks.notify_pending_task()
    assert [m.to for m in mailoutbox] == [["pemilik_b@contoh.id"]]
    assert "Anda mendapat tempat di Pelatihan kemasan" == mailoutbox[0].subject


def test_a_promotion_notice_sent_directly_is_not_sent_again_by_the_sweep(
        desk, mailoutbox, django_capture_on_commit_callbacks, no_grace):
    waiting_list_promotion(desk, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["pemilik_b@contoh.id"]]
    assert tasks.notify_pending_task() == 0
    assert len(mailoutbox) == 1


def test_a_place_given_up_again_before_the_late_notice_goes_out_is_not_announced(
        desk, monkeypatch, mailoutbox, django_capture_on_commit_callbacks, no_grace):
    with monkeypatch.context() as outage:
        outage.setattr(tasks.notify_promoted_task, "delay", broker_down)
        promoted = waiting_list_promotion(desk, django_capture_on_commit_callbacks)
        services.registration_cancel(registration=promoted, user=desk.other_owner)
    tasks.notify_pending_task()
    assert mailoutbox == []
    assert not EventRegistration.objects.filter(notice_pending=True).exists()  # not swept again every minute


def test_a_request_submitted_while_redis_is_down_is_announced_once_by_the_next_sweep(
        desk, monkeypatch, mailoutbox, django_capture_on_commit_callbacks, no_grace):
    with monkeypatch.context() as outage, django_capture_on_commit_callbacks(execute=True):
        outage.setattr(tasks.notify_request_event_task, "delay", broker_down)
        request = submit(desk)
    assert mailoutbox == []
    tasks.notify_pending_task()
    tasks.notify_pending_task()
    assert [m.to for m in mailoutbox] == [["kepala@plut.id"]]
    assert f"#{request.pk}" in mailoutbox[0].subject


def test_one_sweep_after_an_outage_sends_every_kind_of_kept_back_notice(
        desk, monkeypatch, mailoutbox, django_capture_on_commit_callbacks, no_grace):
    with monkeypatch.context() as outage:
        for task in (tasks.notify_request_event_task, tasks.notify_claim_task, tasks.notify_promoted_task):
            outage.setattr(task, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            submit(desk)
        decide(pending_claim(), django_capture_on_commit_callbacks)
        waiting_list_promotion(desk, django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert tasks.notify_pending_task() == 3
    assert sorted(m.to[0] for m in mailoutbox) == ["budi@contoh.id", "kepala@plut.id", "pemilik_b@contoh.id"]
    assert tasks.notify_pending_task() == 0


def test_a_notice_whose_sending_failed_is_kept_for_the_next_sweep(
        monkeypatch, mailoutbox, django_capture_on_commit_callbacks, no_grace):
    claim = pending_claim()
    with monkeypatch.context() as outage:
        outage.setattr(tasks.notify_claim_task, "delay", broker_down)
        decide(claim, django_capture_on_commit_callbacks)

    def smtp_down(*args, **kwargs):
        raise ConnectionRefusedError("SMTP tidak tersedia")

    with monkeypatch.context() as mail_outage:
        mail_outage.setattr(notices, "send_mail", smtp_down)
        with pytest.raises(ConnectionRefusedError):
            notices.claim_notice_once(claim.pk)
    assert EnterpriseClaim.objects.get(pk=claim.pk).notice_pending
    tasks.notify_pending_task()
    assert [m.to for m in mailoutbox] == [["budi@contoh.id"]]
    assert not EnterpriseClaim.objects.get(pk=claim.pk).notice_pending

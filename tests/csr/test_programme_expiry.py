"""The nightly task closes programmes past their end date as if an officer had set them to selesai."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from csr import services, tasks
from csr.models import Programme, Support
from registry.models import SupportRecord

from .conftest import make_classed, make_programme

pytestmark = pytest.mark.django_db


def _start(programme, name) -> Support:
    return services.support_start(
        programme=programme, enterprise=make_classed(name), kind="pelatihan", started_on=date(2025, 2, 1),
    ).support


@pytest.fixture
def ended(company):
    """A running programme whose end date passed yesterday-ish, with two active supports."""
    programme = make_programme(company, "Program Lewat Masa", ends_on=services.today() + timedelta(days=30))
    supports = [_start(programme, f"Usaha Lama {n}") for n in range(2)]
    Programme.objects.filter(pk=programme.pk).update(ends_on=services.today() - timedelta(days=3))
    programme.refresh_from_db()
    return programme, supports


def test_a_programme_past_its_end_is_closed_with_its_supports_and_ledger_rows_ended_on_its_end_date(ended):
    programme, supports = ended
    assert tasks.programmes_close_expired_task() == 1
    programme.refresh_from_db()
    assert programme.status == "selesai"
    for support in supports:
        support.refresh_from_db()
        assert (support.status, support.ended_on) == ("selesai", programme.ends_on)
        record = SupportRecord.objects.get(source_key=support.ledger_key)
        assert (record.ended_on, record.outcome) == (programme.ends_on, services.OUTCOME_PROGRAMME_FINISHED)


def test_a_programme_not_yet_ended_is_left_running_with_its_supports_active(company, ended):
    today_ends = make_programme(company, "Program Berakhir Hari Ini", ends_on=services.today())
    open_ended = make_programme(company, "Program Tanpa Akhir")
    running = [_start(today_ends, "Usaha Hari Ini"), _start(open_ended, "Usaha Terus")]
    tasks.programmes_close_expired_task()
    for programme in (today_ends, open_ended):
        programme.refresh_from_db()
        assert programme.status == "berjalan"
    for support in running:
        support.refresh_from_db()
        assert (support.status, support.ended_on) == ("aktif", None)
        assert SupportRecord.objects.get(source_key=support.ledger_key).ended_on is None


def test_running_the_task_again_changes_nothing_and_emails_nobody(ended):
    programme, supports = ended
    tasks.programmes_close_expired_task()
    before = {s.pk: (s.status, s.ended_on, s.updated_at) for s in Support.objects.filter(programme=programme)}
    records = {r.pk: r.updated_at for r in SupportRecord.objects.filter(source="csr")}
    programme.refresh_from_db()
    assert tasks.programmes_close_expired_task() == 0
    after = {s.pk: (s.status, s.ended_on, s.updated_at) for s in Support.objects.filter(programme=programme)}
    assert after == before
    assert {r.pk: r.updated_at for r in SupportRecord.objects.filter(source="csr")} == records
    assert Programme.objects.get(pk=programme.pk).updated_at == programme.updated_at
    assert mail.outbox == []


def test_closing_many_expired_programmes_takes_the_same_statements_as_closing_one(company):
    def close_with(n: int) -> int:
        for i in range(n):
            programme = make_programme(company, f"Program Lama {n}-{i}", ends_on=services.today() + timedelta(days=9))
            _start(programme, f"Usaha {n}-{i}")
            Programme.objects.filter(pk=programme.pk).update(ends_on=services.today() - timedelta(days=1))
        with CaptureQueriesContext(connection) as queries:
            assert len(services.programmes_close_expired().closed) == n
        return len(queries)

    assert close_with(1) == close_with(5)


def test_the_task_runs_every_night_from_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["csr-programmes-close-expired"]
    assert entry["task"] == tasks.programmes_close_expired_task.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {15})

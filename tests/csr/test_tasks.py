import pytest
from django.core import mail

from csr import tasks
from csr.models import Support
from registry.signals import classes_changed

from .conftest import classed, make_classed

pytestmark = pytest.mark.django_db


def test_a_recompute_that_graduates_a_beneficiary_emails_the_officer_once(
    programme, officer, django_capture_on_commit_callbacks
):
    from csr import services

    grows = make_classed("Sambal Andaliman Maju")
    support = services.support_start(programme=programme, enterprise=grows, kind="pelatihan").support
    classed(grows, "kecil", 4)
    with django_capture_on_commit_callbacks(execute=True):
        # What registry.graduation sends after the commit of a recompute (Celery runs in-process here).
        classes_changed.send(sender=None, enterprise_ids=[grows.pk], job_run_id=None)
    support.refresh_from_db()
    assert support.status == "lulus" and support.notified_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert officer.email in message.to and "Sambal Andaliman Maju" in message.body
    assert f"/perusahaan/dukungan/{support.pk}/" in message.body
    assert tasks.graduation_notify_task(support_ids=[support.pk]) == 0
    assert tasks.supports_graduate_task(regency="12.71") == 0
    assert len(mail.outbox) == 1


def test_an_officer_is_not_emailed_about_another_companys_beneficiary(
    programme, other_programme, other_officer, django_capture_on_commit_callbacks
):
    from csr import services

    grows = make_classed()
    services.support_start(programme=programme, enterprise=grows, kind="pelatihan")
    classed(grows, "menengah", 7)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.supports_graduate_task(regency="12.71")
    assert Support.objects.filter(status="lulus").count() == 1
    assert [m.to for m in mail.outbox] == [["csr@alpha.co.id"]]

import pytest

from registry.models import Enterprise, YearlyReport
from registry.tasks import enterprises_classify_task
from tests.factories import make_enterprise

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_recomputes_size_classes_through_redis(celery_worker_process):
    enterprise = make_enterprise("Konveksi Tebing")
    # Written without the service, so only the worker's run can set the class.
    YearlyReport.objects.create(enterprise=enterprise, year=2025, omzet=16_000_000_000)
    assert Enterprise.objects.get(pk=enterprise.pk).size_class is None

    changed = enterprises_classify_task.delay([enterprise.pk]).get(timeout=30)

    assert changed == 1
    assert Enterprise.objects.get(pk=enterprise.pk).size_class == "menengah"
    # Running it again changes nothing: the task is safe to retry.
    assert enterprises_classify_task.delay([enterprise.pk]).get(timeout=30) == 0

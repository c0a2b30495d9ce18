import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from csr import services
from csr.models import Support

from .conftest import classed, make_classed, make_company, make_officer, make_programme


@pytest.mark.django_db(transaction=True)
def test_two_officers_accepting_at_the_same_moment_move_the_support_once(django_capture_on_commit_callbacks):
    programme = make_programme(make_company("PT Serentak Contoh", officer=make_officer()))
    grows = make_classed()
    old = services.support_start(programme=programme, enterprise=grows, kind="pelatihan").support
    classed(grows, "kecil", 4)
    services.supports_graduate(enterprise_ids=[grows.pk])
    newcomers = [make_classed(), make_classed()]
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(enterprise):
        try:
            barrier.wait()
            services.support_reassign(support=Support.objects.get(pk=old.pk), enterprise=enterprise)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(e,)) for e in newcomers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Dukungan ini sudah dialihkan ke UMKM lain.", "ok"]
    assert Support.objects.filter(reassigned_from=old).count() == 1

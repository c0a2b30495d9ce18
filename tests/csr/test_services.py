import pytest
from django.core.exceptions import ValidationError

from csr import services
from csr.models import Support, SupportStatus
from registry.models import SupportRecord

from .conftest import classed, make_classed

pytestmark = pytest.mark.django_db


def test_starting_a_support_writes_its_row_in_the_pembinaan_ledger(programme):
    enterprise = make_classed("Keripik Ubi Bu Ani")
    started = services.support_start(programme=programme, enterprise=enterprise, kind="pelatihan", amount=2_000_000)
    record = SupportRecord.objects.get(source_key=f"csr.support:{started.support.pk}")
    assert (record.source, record.provider, record.title, record.kind, record.amount) == (
        "csr", "PT Perkebunan Nusantara Contoh", "Program Binaan Mikro", "pelatihan", 2_000_000
    )
    assert started.support.start_class == "mikro" and started.support.start_tier == 1


def test_an_enterprise_gets_one_active_support_per_programme(programme):
    enterprise = make_classed()
    services.support_start(programme=programme, enterprise=enterprise, kind="pelatihan")
    with pytest.raises(ValidationError) as exc:
        services.support_start(programme=programme, enterprise=enterprise, kind="pembiayaan")
    assert "sudah menerima dukungan aktif" in str(exc.value)
    assert Support.objects.count() == 1 and SupportRecord.objects.count() == 1


def test_an_enterprise_outside_the_target_is_refused_with_the_reason(programme):
    elsewhere = make_classed(regency="12.12", district=None)
    too_big = make_classed(size_class="kecil", tier=4)
    with pytest.raises(ValidationError, match="Kabupaten/kota UMKM bukan sasaran"):
        services.support_start(programme=programme, enterprise=elsewhere, kind="pelatihan")
    with pytest.raises(ValidationError, match="Kelas usaha Kecil bukan sasaran"):
        services.support_start(programme=programme, enterprise=too_big, kind="pelatihan")
    assert not SupportRecord.objects.exists()


def test_a_company_is_told_of_another_companys_support_of_the_same_kind_but_not_whose(programme, other_programme):
    enterprise = make_classed()
    services.support_start(programme=other_programme, enterprise=enterprise, kind="pelatihan", started_on="2025-03-01")
    started = services.support_start(programme=programme, enterprise=enterprise, kind="pelatihan")
    assert str(started.overlap_since) == "2025-03-01"
    message = services.overlap_message(started.overlap_since)
    assert "1 Maret 2025" in message and "Bank Sumut" not in message
    other_kind = services.support_start(programme=other_programme, enterprise=make_classed(), kind="pembiayaan")
    assert other_kind.overlap_since is None


def test_ending_a_support_closes_its_ledger_row(programme):
    support = services.support_start(programme=programme, enterprise=make_classed(), kind="pelatihan").support
    services.support_end(support=support, status=SupportStatus.COMPLETED)
    record = SupportRecord.objects.get(source_key=support.ledger_key)
    assert record.ended_on is not None and record.outcome == "Selesai"
    with pytest.raises(ValidationError):
        services.support_end(support=support, status=SupportStatus.STOPPED)


def test_a_support_whose_enterprise_left_the_segment_becomes_graduated_once(
    programme, django_capture_on_commit_callbacks
):
    stays = make_classed()
    grows = make_classed()
    kept = services.support_start(programme=programme, enterprise=stays, kind="pelatihan").support
    moved = services.support_start(programme=programme, enterprise=grows, kind="pelatihan").support
    classed(grows, "kecil", 4)
    with django_capture_on_commit_callbacks(execute=False):
        assert services.supports_graduate(regency="12.71") == [moved.pk]
        assert services.supports_graduate(regency="12.71") == []
    moved.refresh_from_db()
    kept.refresh_from_db()
    assert (moved.status, moved.graduated_class, moved.graduated_tier) == ("lulus", "kecil", 4)
    assert kept.status == "aktif"
    record = SupportRecord.objects.get(source_key=moved.ledger_key)
    assert record.ended_on == moved.ended_on and record.outcome.startswith("Naik kelas")


def test_accepting_a_candidate_moves_the_support_in_one_step(programme, django_capture_on_commit_callbacks):
    grows = make_classed()
    old = services.support_start(programme=programme, enterprise=grows, kind="pembiayaan", amount=5_000_000).support
    classed(grows, "kecil", 5)
    with django_capture_on_commit_callbacks(execute=False):
        services.supports_graduate(enterprise_ids=[grows.pk])
    newcomer = make_classed()
    new = services.support_reassign(support=old, enterprise=newcomer)
    old.refresh_from_db()
    assert (old.status, new.reassigned_from_id, new.kind, new.amount) == ("dialihkan", old.pk, "pembiayaan", 5_000_000)
    assert old.graduated_at is not None  # the graduation stays in the history
    assert SupportRecord.objects.filter(enterprise=newcomer, source_key=new.ledger_key, ended_on=None).exists()
    with pytest.raises(ValidationError, match="sudah dialihkan"):
        services.support_reassign(support=old, enterprise=make_classed())


def test_an_active_support_cannot_be_reassigned(programme):
    support = services.support_start(programme=programme, enterprise=make_classed(), kind="pelatihan").support
    with pytest.raises(ValidationError, match="naik kelas"):
        services.support_reassign(support=support, enterprise=make_classed())

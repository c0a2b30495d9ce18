import pytest
from django.core.management import call_command

from csr.candidates import reassignment_candidates
from csr.models import Company, Programme, Support
from registry.models import SupportRecord

pytestmark = pytest.mark.django_db


def test_csr_demo_builds_a_graduated_beneficiary_with_suggestions_and_runs_twice(django_capture_on_commit_callbacks):
    call_command("seed_demo", enterprises=3000, seed=7, verbosity=0, stdout=None)
    call_command("create_demo_accounts", force=True, stdout=None)
    with django_capture_on_commit_callbacks(execute=False):
        call_command("csr_demo", force=True)
        counts = (Company.objects.count(), Programme.objects.count(), Support.objects.count())
        call_command("csr_demo", force=True)
    assert counts == (Company.objects.count(), Programme.objects.count(), Support.objects.count())
    assert counts[0] == 3 and counts[2] > 10
    assert SupportRecord.objects.filter(source="csr").count() == counts[2]
    graduated = Support.objects.get(status="lulus", programme__name="Rumah BUMN Naik Kelas Medan")
    assert graduated.programme.company.members.get().user.username == "perusahaan"
    suggestions = reassignment_candidates(graduated.programme, near=graduated)
    assert suggestions and all(s.reason for s in suggestions)

"""The API as its OpenAPI schema (/api/schema/) describes it, exercised by schemathesis against the running
server with a staff token: no input it generates may cause a 5xx, and every response must match the schema.

Bounded (examples per operation, and a time budget) so that it stays a part of `make test`. On a failure
the assertion shows schemathesis's report, with a curl command that reproduces each problem.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from registry import services
from tests.factories import make_enterprise, make_owner, make_staff

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "10"))
MAX_SECONDS = int(os.environ.get("CONTRACT_MAX_SECONDS", "60"))
CHECKS = "not_a_server_error,response_schema_conformance"


def test_no_generated_request_makes_the_api_fail_or_answer_outside_its_schema(api_server, celery_workers, tmp_path):
    staff = make_staff("petugas_api", with_nik=True)
    token = Token.objects.create(user=staff).key
    # Some rows for the read operations to find (ids 1.. exist, so generated ids sometimes hit a real row).
    owner = make_owner("Siti Aminah", nik="1271015505900002")
    for number in range(5):
        enterprise = make_enterprise(f"Usaha Kontrak {number}", owner=owner if number == 0 else None)
        services.yearly_report_save(enterprise=enterprise, year=timezone.localdate().year - 1, omzet=500_000_000)

    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [
            str(st), "run", f"{api_server}/api/schema/",
            "--url", api_server,
            "-H", f"Authorization: Token {token}",
            "-H", "Accept-Language: id",
            "--checks", CHECKS,
            "--max-examples", str(MAX_EXAMPLES),
            "--max-time", str(MAX_SECONDS),
            "--phases", "examples,coverage,fuzzing",
            "--seed", "7",
            "--workers", "2",
            "--request-timeout", "30",
            "--no-color",
            "--generation-database", "none",  # no .schemathesis/ folder in the tree
            "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, timeout=MAX_SECONDS + 120,
    )
    output = result.stdout + result.stderr
    print(output[-6000:])
    assert result.returncode == 0, output[-20_000:]

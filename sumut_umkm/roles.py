"""The user roles of DESIGN.md as Django groups, with the permissions each holds."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

STAFF = "Petugas Diskop UKM"
PII_VIEWER = "Petugas data pribadi"
PLUT_CONSULTANT = "Konsultan PLUT"
COMPANY_OFFICER = "Petugas CSR perusahaan"
MSME_OWNER = "Pemilik UMKM"

_REGISTRY_MODELS = ["enterprise", "owner", "yearlyreport", "permit"]

# Each app lists what its users hold here; STAFF gets the staff lists of all apps.
# Staff manage companies and their members in the admin and see every programme and support (supports are
# written through csr.services, never edited in the admin). Officers work on their own company only
# (csr.models *.for_user); they read their company and manage its programmes and supports.
CSR_STAFF_PERMISSIONS: list[str] = [
    f"csr.{action}_{model}"
    for model in ("company", "companymember", "programme")
    for action in ("view", "add", "change")
] + ["csr.view_support"]
CSR_OFFICER_PERMISSIONS: list[str] = [
    "csr.view_company",
    "csr.view_programme", "csr.add_programme", "csr.change_programme",
    "csr.view_support", "csr.add_support", "csr.change_support",
]
# PLUT: staff run the centres (catalogue, consultants, local days off, claims, queue, events); consultants work
# their assigned requests; MSME owners use the portal (what they see is scoped by plut's for_user, not by these).
PLUT_STAFF_PERMISSIONS: list[str] = (
    [f"plut.{action}_{model}" for model in ("centre", "service", "consultant", "event")
     for action in ("view", "add", "change")]
    + ["plut.view_localholiday", "plut.add_localholiday", "plut.change_localholiday", "plut.delete_localholiday"]
    + ["plut.view_enterpriseclaim", "plut.change_enterpriseclaim"]
    + ["plut.view_servicerequest", "plut.add_servicerequest", "plut.change_servicerequest"]
    + ["plut.view_requestevent", "plut.add_requestevent", "plut.view_attachment"]
    + ["plut.view_eventregistration", "plut.add_eventregistration", "plut.change_eventregistration"]
)
# A consultant reads (admin) only the requests assigned to them; every change goes through the request page's
# workflow, so no change right. No registry rights either: the enterprise of an assigned request is shown on
# that request's page, never the registry's lists, pages or API.
PLUT_CONSULTANT_PERMISSIONS: list[str] = [
    "plut.view_centre", "plut.view_service", "plut.view_servicerequest",
    "plut.view_requestevent", "plut.add_requestevent", "plut.view_attachment", "plut.view_event",
    "plut.view_eventregistration",
]
MSME_OWNER_PERMISSIONS: list[str] = [
    "plut.view_service", "plut.view_event", "plut.view_servicerequest", "plut.add_servicerequest",
    "plut.view_requestevent", "plut.add_requestevent", "plut.view_eventregistration", "plut.add_eventregistration",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    STAFF: [f"registry.{action}_{model}" for model in _REGISTRY_MODELS for action in ("view", "add", "change")]
    + ["registry.view_region", "registry.view_sector"]
    # Naik kelas: read the rules and the history; draft and activate a rule set (change_ruleset);
    # start a recompute (add_jobrun). History is append-only: no add/change/delete on graduationevent.
    + ["registry.view_ruleset", "registry.add_ruleset", "registry.change_ruleset"]
    + ["registry.view_jobrun", "registry.add_jobrun", "registry.view_graduationevent"]
    # Imports: review possible duplicates (never merged automatically) and the remembered column mappings.
    + ["registry.view_possibleduplicate", "registry.change_possibleduplicate"]
    + ["registry.view_columnmapping", "registry.delete_columnmapping"]
    # The ledger: read every source; record government (APBD) support, the admin allows it for source pemda only.
    + ["registry.view_supportrecord", "registry.add_supportrecord", "registry.change_supportrecord"]
    + CSR_STAFF_PERMISSIONS
    + PLUT_STAFF_PERMISSIONS,
    PII_VIEWER: ["registry.view_owner_nik"],
    PLUT_CONSULTANT: PLUT_CONSULTANT_PERMISSIONS,
    COMPANY_OFFICER: CSR_OFFICER_PERMISSIONS,
    MSME_OWNER: MSME_OWNER_PERMISSIONS,
}


@transaction.atomic
def roles_sync() -> dict[str, Group]:
    """Create the groups and set exactly the permissions listed above."""
    groups = {}
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
        groups[name] = group
    return groups

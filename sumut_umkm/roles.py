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
CSR_STAFF_PERMISSIONS: list[str] = []
CSR_OFFICER_PERMISSIONS: list[str] = []
PLUT_STAFF_PERMISSIONS: list[str] = []
PLUT_CONSULTANT_PERMISSIONS: list[str] = []
MSME_OWNER_PERMISSIONS: list[str] = []

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
    + ["registry.view_supportrecord"]
    + CSR_STAFF_PERMISSIONS
    + PLUT_STAFF_PERMISSIONS,
    PII_VIEWER: ["registry.view_owner_nik"],
    PLUT_CONSULTANT: [
        "registry.view_enterprise", "registry.view_yearlyreport", "registry.view_permit",
        "registry.view_region", "registry.view_sector", "registry.view_supportrecord",
    ]
    + PLUT_CONSULTANT_PERMISSIONS,
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

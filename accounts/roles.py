"""What each role may do, as permission patterns (``app_label.codename`` with shell wildcards).

Roles are fixed by the seeds' division of work (管理员 / 经办员 / 查询), so they live in code rather
than in editable groups; a single user can still be given an extra permission (for example
``accounts.view_sensitive`` for a 查询 user of the medical-insurance bureau) in the admin.
Nobody may delete records that money or eligibility depend on: corrections are new records.
"""

from fnmatch import fnmatchcase

from django.contrib.auth.backends import BaseBackend

from accounts.models import Role

NEVER_DELETED = [
    "beneficiaries.delete_beneficiary",
    "beneficiaries.delete_household",
    "beneficiaries.delete_categoryholding",
    "beneficiaries.delete_enrollment",
    "claims.delete_*",
    "payments.delete_*",
    "rosters.delete_*",
    "monitoring.delete_*",
    "assistance.delete_*",
    "accounts.delete_accesslog",
    "api.delete_*",  # a partner and its calls are the audit of what other systems did; revoke, never delete
    "health.delete_*",  # contracts, records, cards, cases and recognitions are ended or revoked, never deleted
    "employment.delete_*",  # placements are ended, support voided, surveys and visits kept
    "projects.delete_*",  # projects are cancelled, participations ended, money corrected by a new line
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: ["*"],
    Role.CLERK: [
        "beneficiaries.view_*",
        "beneficiaries.add_beneficiary",
        "beneficiaries.change_beneficiary",
        "beneficiaries.add_household",
        "beneficiaries.change_household",
        "beneficiaries.add_categoryholding",
        "beneficiaries.change_categoryholding",
        "beneficiaries.add_enrollment",
        "beneficiaries.change_enrollment",
        "regions.view_*",
        "policies.view_*",
        "claims.view_*",
        "claims.add_*",
        "claims.change_*",
        "payments.view_*",
        "ledgers.view_*",
        "ledgers.add_responsibility",
        "ledgers.change_responsibility",
        "monitoring.view_*",
        "monitoring.refer_alert",
        "monitoring.add_publicityvisit",
        "assistance.view_*",
        "assistance.decide_grant",
        "assistance.add_hardshipapplication",
        "assistance.change_hardshipapplication",
        "health.view_*",
        # the household's and person's records; not the county's list of diseases, which an administrator keeps
        "health.*_contractbatch",
        "health.*_doctorcontract",
        "health.*_healthrecord",
        "health.*_healthcard",
        "health.*_treatmentcase",
        "health.*_twodiseaserecognition",
        # the children's survey, placements, support and visits; the project library and who takes part
        "employment.view_*",
        "employment.add_*",
        "employment.change_*",
        "projects.view_*",
        "projects.add_*",
        "projects.change_*",
    ],
    # An official reads everything of their area and works the alert list (核实、推送、办结): that
    # workflow moves no money.
    Role.VIEWER: ["beneficiaries.view_*", "regions.view_*", "policies.view_*", "claims.view_*", "ledgers.view_*",
                  "monitoring.view_*", "monitoring.refer_alert", "assistance.view_*", "payments.view_*",
                  "health.view_*", "employment.view_*", "projects.view_*"],
}


def role_allows(role: str, perm: str) -> bool:
    if any(fnmatchcase(perm, pattern) for pattern in NEVER_DELETED):
        return False
    return any(fnmatchcase(perm, pattern) for pattern in ROLE_PERMISSIONS.get(role, []))


class RoleBackend(BaseBackend):
    """Grants the permissions of the user's role; ModelBackend still adds per-user grants."""

    def has_perm(self, user_obj, perm, obj=None):
        return user_obj.is_active and not user_obj.is_anonymous and role_allows(user_obj.role, perm)

    def has_module_perms(self, user_obj, app_label):
        if not user_obj.is_active or user_obj.is_anonymous:
            return False
        patterns = ROLE_PERMISSIONS.get(user_obj.role, [])
        return any(p == "*" or p.startswith(f"{app_label}.") for p in patterns)

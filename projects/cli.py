"""What the project commands share beyond the registry's (beneficiaries/cli.py): the project a ``--code`` names
within the user's area, and the permission their lists and tables are read with."""

from __future__ import annotations

from accounts.cli import refused
from beneficiaries.cli import one_of
from projects.models import Project

VIEW = "projects.view_project"


def project_of(user, code: str | None) -> Project:
    if not code:
        raise refused("请用 --code 指定项目编号。")
    return one_of(Project.objects.visible_to(user), "项目", code=code.strip())

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the server: backups, restores and the retention of audit records. Listed before
    django-simple-history and django-axes in INSTALLED_APPS so that its cleanup commands replace theirs of the
    same name."""

    name = "operations"
    verbose_name = "运维"

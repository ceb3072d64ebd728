from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "因病返贫致贫监测"

    def ready(self):
        # Claims announces the person-years whose settlements changed, inside its transaction;
        # monitoring listens, so claims never imports monitoring (docs/decisions.md, "Monitoring").
        from claims.signals import person_years_settled
        from monitoring.services import alerts_follow_settlements

        person_years_settled.connect(alerts_follow_settlements, dispatch_uid="monitoring.alerts")

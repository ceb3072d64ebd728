from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与权限"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from config.security import stamp_session_on_login

        user_logged_in.connect(stamp_session_on_login, dispatch_uid="stamp_session_on_login")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "diemcau.accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from diemcau.accounts import revocation, signin

        # each sign-in's session key, so deactivation can end the session at once
        user_logged_in.connect(revocation.record_login, dispatch_uid="diemcau-session-login")
        user_logged_out.connect(revocation.record_logout, dispatch_uid="diemcau-session-logout")
        # a demo account signed in on a production server is held (SignInPolicyMiddleware)
        user_logged_in.connect(signin.hold_demo_session, dispatch_uid="diemcau-demo-held")

"""Routes of accounts' signin pages (names are used as accounts:<name>)."""

from django.urls import URLPattern, URLResolver, path

from diemcau.accounts import views_signin as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("2fa/", views.start, name="2fa"),
    path("2fa/enrol/", views.enrol, name="2fa_enrol"),
    path("2fa/verify/", views.verify, name="2fa_verify"),
    path("2fa/recovery-codes/", views.regenerate_codes, name="2fa_recovery_codes"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("security/", views.security, name="security"),
    path("security/<int:user_id>/unlock/", views.unlock, name="unlock"),
    path("security/address/unlock/", views.unlock_address, name="unlock_address"),
    path("security/<int:user_id>/reset-2fa/", views.reset_2fa, name="reset_2fa"),
]

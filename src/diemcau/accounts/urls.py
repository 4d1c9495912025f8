"""Pages about people: sign-in security (two-factor, lockouts) and managing accounts in scope."""

from django.urls import include, path

app_name = "accounts"
urlpatterns = [
    path("", include("diemcau.accounts.urls_signin")),
    path("people/", include("diemcau.accounts.urls_people")),
]

from django.contrib.auth import views as auth_views
from django.urls import include, path

from diemcau.accounts.views_signin import SignInView
from diemcau.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("now.json", views.now_json, name="now"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("units/", include("diemcau.units.urls")),
    path("sites/", include("diemcau.sites.urls")),
    path("delegates/", include("diemcau.delegates.urls")),
]

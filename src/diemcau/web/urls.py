from django.contrib.auth import views as auth_views
from django.urls import include, path

from diemcau.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("units/", include("diemcau.units.urls")),
    path("sites/", include("diemcau.sites.urls")),
    path("delegates/", include("diemcau.delegates.urls")),
]

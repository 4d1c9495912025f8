"""Routes of accounts' people pages (names are used as accounts:<name>)."""

from django.urls import URLPattern, URLResolver, path

from diemcau.accounts import views_people

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_people.people_page, name="people"),
    path("tokens/<int:token_id>/revoke/", views_people.revoke_token, name="people_revoke_token"),
    path("<str:username>/deactivate/", views_people.deactivate, name="people_deactivate"),
    path("<str:username>/activate/", views_people.activate, name="people_activate"),
    path(
        "<str:username>/grants/<int:grant_id>/remove/",
        views_people.remove_grant,
        name="people_remove_grant",
    ),
]

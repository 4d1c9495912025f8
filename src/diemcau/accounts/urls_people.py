"""Routes of accounts' people pages (names are used as accounts:<name>)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []

"""Routes of accounts' signin pages (names are used as accounts:<name>)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []

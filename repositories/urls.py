"""The catalog's own pages that start no scan: the imported lists and their fixes (`sources:`
names), and the catalog's recent changes (`changes:`)."""

from django.urls import include, path

from repositories import pages

sources = [
    path("sources/", pages.source_list, name="list"),
    path("sources/<int:pk>/", pages.source_detail, name="detail"),
]
changes = [
    path("changes/", pages.change_list, name="list"),
]
urlpatterns = [
    path("", include((sources, "sources"))),
    path("", include((changes, "changes"))),
]

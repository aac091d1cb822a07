"""The catalog's own pages that start no scan (`sources:` names): the imported lists and their fixes."""

from django.urls import path

from repositories import pages

app_name = "sources"
urlpatterns = [
    path("sources/", pages.source_list, name="list"),
    path("sources/<int:pk>/", pages.source_detail, name="detail"),
]

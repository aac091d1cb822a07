"""The watch pages (`watch:` names) and the subscriptions' Atom feeds."""

from django.urls import path

from watch import views
from watch.feeds import SubscriptionFeed

app_name = "watch"
urlpatterns = [
    path("schedules/", views.schedule_list, name="schedules"),
    path("schedules/<int:pk>/", views.schedule_detail, name="schedule"),
    path("schedules/<int:pk>/run", views.schedule_run, name="schedule_run"),
    path("schedules/<int:pk>/toggle", views.schedule_toggle, name="schedule_toggle"),
    path("schedules/<int:pk>/delete", views.schedule_delete, name="schedule_delete"),
    path("subscriptions/", views.subscription_list, name="subscriptions"),
    path("subscriptions/<int:pk>/", views.subscription_detail, name="subscription"),
    path("subscriptions/<int:pk>/test", views.subscription_test, name="subscription_test"),
    path("subscriptions/<int:pk>/rotate", views.subscription_rotate, name="subscription_rotate"),
    path("subscriptions/<int:pk>/toggle", views.subscription_toggle, name="subscription_toggle"),
    path("subscriptions/<int:pk>/delete", views.subscription_delete, name="subscription_delete"),
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("feeds/<str:token>.atom", SubscriptionFeed(), name="feed"),
]

"""The watch pages: schedules (create, edit, pause, run now) and subscriptions (create, edit,
send a test, rotate the secret, the delivery log), and the e-mails' unsubscribe link.

Each view parses input, calls one service, and renders. Forms are checked by the API's
serializers, so a page and the API accept and refuse the same things with the same words. The
subscription page's delivery log is its named partial: with `request.htmx` only that renders,
and it polls itself only while a delivery is pending.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from repohealth.web.api import first_error
from repohealth.web.pages import login_required_page
from repositories import selectors as catalog
from repositories.models import RepositoryChange
from repositories.sources import latest_sources, source_latest, source_name
from scans import services as scan_services
from scans.pages.scans import scan_url
from watch import schedules, services
from watch.links import site_url, subscription_for_token
from watch.models import EVENTS, Delivery, Schedule, Subscription
from watch.serializers import ScheduleSerializer, SubscriptionSerializer

REVEAL_KEY = "watch_reveal"  # a secret shown once, after create or rotate
SOURCE_CHOICES = 200  # the forms offer the newest documents
EVENT_CHOICES = RepositoryChange.Event.choices


def _own(model, user, pk):
    found = model.objects.filter(owner=user, pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def _form(post, names: tuple[str, ...], *, lists: tuple[str, ...] = (), flags: tuple[str, ...] = ()) -> dict:
    """A page form as the API's JSON: empty optional fields are null, checkboxes booleans."""
    data = {}
    for name in names:
        if name in lists:
            data[name] = post.getlist(name)
        elif name in flags:
            data[name] = post.get(name) == "on"
        elif name in post:
            data[name] = post.get(name) or None
    return data


def _choices(context: dict) -> dict:
    sources = [(source.id, source_name(source)) for source in latest_sources()[:SOURCE_CHOICES]]
    return {**context, "labels": catalog.label_choices(), "sources": sources, "events": EVENT_CHOICES,
            "channels": Subscription.Channel.choices, "formats": Subscription.Format.choices}


def _source_value(source) -> str:
    """A source as the form's choice: the latest version of its document (which a run follows)."""
    return str(source_latest(source).id) if source is not None else ""


# --- schedules ------------------------------------------------------------------------------------
SCHEDULE_FIELDS = ("name", "label", "source", "interval_minutes", "max_repositories", "budget_share", "active")


@require_http_methods(["GET", "POST"])
@login_required_page
def schedule_list(request):
    error, status = "", 200
    if request.method == "POST":
        form = ScheduleSerializer(data=_form(request.POST, SCHEDULE_FIELDS, flags=("active",)))
        if form.is_valid():
            schedule = form.save(owner=request.user)
            messages.success(request, f"Schedule “{schedule.name}” created: the first run starts within a minute.")
            return redirect("watch:schedules")
        error, status = first_error(form.errors), 400
    context = {"schedules": Schedule.objects.filter(owner=request.user).select_related("label", "source", "last_scan"),
               "error": error, "values": request.POST if error else {"active": "on", "budget_share": 100,
                                                                     "interval_minutes": 1440}}
    return render(request, "watch/schedules.html", _choices(context), status=status)


@require_http_methods(["GET", "POST"])
@login_required_page
def schedule_detail(request, pk: int):
    schedule = _own(Schedule, request.user, pk)
    error, status = "", 200
    if request.method == "POST":
        form = ScheduleSerializer(schedule, data=_form(request.POST, SCHEDULE_FIELDS, flags=("active",)))
        if form.is_valid():
            form.save()
            messages.success(request, f"Schedule “{schedule.name}” saved.")
            return redirect("watch:schedules")
        error, status = first_error(form.errors), 400
    values = request.POST if error else {
        "name": schedule.name, "label": schedule.label.name if schedule.label_id else "",
        "source": _source_value(schedule.source), "interval_minutes": schedule.interval_minutes,
        "max_repositories": schedule.max_repositories or "", "budget_share": schedule.budget_share,
        "active": "on" if schedule.active else ""}
    return render(request, "watch/schedule.html", _choices({"schedule": schedule, "error": error, "values": values}),
                  status=status)


@require_POST
@login_required_page
def schedule_run(request, pk: int):
    schedule = _own(Schedule, request.user, pk)
    try:
        scan = schedules.schedule_run(schedule=schedule)
    except scan_services.ScanError as exc:
        messages.error(request, str(exc))
        return redirect("watch:schedules")
    messages.success(request, f"Schedule “{schedule.name}” started: {scan.total:,} repositories.")
    return redirect(scan_url(scan))


@require_POST
@login_required_page
def schedule_toggle(request, pk: int):
    schedule = _own(Schedule, request.user, pk)
    schedule.active = not schedule.active
    schedule.save(update_fields=["active"])
    messages.success(request, f"Schedule “{schedule.name}” {'resumed' if schedule.active else 'paused'}.")
    return redirect("watch:schedules")


@require_POST
@login_required_page
def schedule_delete(request, pk: int):
    schedule = _own(Schedule, request.user, pk)
    schedule.delete()
    messages.success(request, f"Schedule “{schedule.name}” deleted (its scans stay).")
    return redirect("watch:schedules")


# --- subscriptions ----------------------------------------------------------------------------------
SUBSCRIPTION_FIELDS = ("channel", "target_url", "label", "source", "events", "format", "active")


@require_http_methods(["GET", "POST"])
@login_required_page
def subscription_list(request):
    error, status = "", 200
    if request.method == "POST":
        form = SubscriptionSerializer(data=_form(request.POST, SUBSCRIPTION_FIELDS, lists=("events",),
                                                 flags=("active",)))
        if form.is_valid():
            subscription = services.subscription_save(subscription=Subscription(owner=request.user,
                                                                                **form.validated_data))
            request.session[REVEAL_KEY] = {"id": subscription.id, "secret": subscription.secret}
            messages.success(request, "Subscription created. Its secret is shown below this once.")
            return redirect("watch:subscription", pk=subscription.pk)
        error, status = first_error(form.errors), 400
    context = {"subscriptions": Subscription.objects.filter(owner=request.user).select_related("label", "source"),
               "error": error, "values": request.POST if error else {"channel": "webhook", "events": list(EVENTS)},
               "chosen_events": request.POST.getlist("events") if error else list(EVENTS)}
    return render(request, "watch/subscriptions.html", _choices(context), status=status)


@require_http_methods(["GET", "POST"])
@login_required_page
def subscription_detail(request, pk: int):
    subscription = _own(Subscription, request.user, pk)
    error, status = "", 200
    if request.method == "POST":
        form = SubscriptionSerializer(subscription, partial=True, data=_form(
            request.POST, SUBSCRIPTION_FIELDS, lists=("events",), flags=("active",)))
        if form.is_valid():
            for name, value in form.validated_data.items():
                setattr(subscription, name, value)
            services.subscription_save(subscription=subscription)
            messages.success(request, "Subscription saved.")
            return redirect("watch:subscription", pk=subscription.pk)
        error, status = first_error(form.errors), 400
    deliveries = list(Delivery.objects.filter(subscription=subscription).select_related("scan")[:50])
    context = {"subscription": subscription, "deliveries": deliveries,
               "pending": any(d.status == Delivery.Status.PENDING for d in deliveries)}
    if request.htmx:
        return render(request, "watch/_deliveries.html", context)
    reveal = request.session.pop(REVEAL_KEY, None)
    secret = reveal["secret"] if reveal and reveal.get("id") == subscription.id else None
    context.update({
        "error": error, "secret": secret,
        "feed_url": site_url(reverse("watch:feed", args=[secret])) if secret and subscription.channel == "feed" else "",
        "values": request.POST if error else {"target_url": subscription.target_url,
                                              "label": subscription.label.name if subscription.label_id else "",
                                              "source": _source_value(subscription.source),
                                              "format": subscription.format,
                                              "active": "on" if subscription.active else ""},
        "chosen_events": request.POST.getlist("events") if error else subscription.events,
    })
    return render(request, "watch/subscription.html", _choices(context), status=status)


@require_POST
@login_required_page
def subscription_test(request, pk: int):
    subscription = _own(Subscription, request.user, pk)
    try:
        services.subscription_send_test(subscription=subscription)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Test sent: its outcome appears in the delivery log below.")
    return redirect("watch:subscription", pk=pk)


@require_POST
@login_required_page
def subscription_rotate(request, pk: int):
    subscription = _own(Subscription, request.user, pk)
    secret = services.subscription_rotate_secret(subscription=subscription)
    request.session[REVEAL_KEY] = {"id": subscription.id, "secret": secret}
    messages.success(request, "New secret made; the old one no longer works. It is shown below this once.")
    return redirect("watch:subscription", pk=pk)


@require_POST
@login_required_page
def subscription_toggle(request, pk: int):
    subscription = _own(Subscription, request.user, pk)
    subscription.active = not subscription.active
    services.subscription_save(subscription=subscription)
    messages.success(request, f"Subscription {'switched on' if subscription.active else 'paused'}.")
    return redirect("watch:subscription", pk=pk)


@require_POST
@login_required_page
def subscription_delete(request, pk: int):
    _own(Subscription, request.user, pk).delete()
    messages.success(request, "Subscription deleted.")
    return redirect("watch:subscriptions")


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """The e-mails' link: works without logging in (the token is signed); a POST unsubscribes."""
    subscription = subscription_for_token(token)
    if subscription is None:
        return render(request, "watch/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.subscription_unsubscribe(subscription=subscription)
    return render(request, "watch/unsubscribe.html", {"subscription": subscription, "done": request.method == "POST"})

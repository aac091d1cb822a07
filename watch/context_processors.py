from watch.models import Subscription


def alerts(request):
    """The banner every page shows a user whose webhook was switched off for failing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"switched_off_subscriptions": list(
        Subscription.objects.filter(owner=user, active=False).exclude(disabled_reason="")
        .only("id", "target_url", "disabled_reason")[:5])}

"""Who a message to a site reaches: its contact, its technician, or its province's organiser."""

from django.contrib.auth import get_user_model

from diemcau.accounts.models import Grant, Role
from diemcau.notifications.models import Channel, OrganiserPhone, RecipientRole
from diemcau.sites.models import Site


def site_recipient(site: Site, role: str, channel: str) -> tuple[str, str]:
    """(name, raw address) of the site's person in `role` on `channel`; ("", "") if none."""
    phone = channel in (Channel.SMS, Channel.ZALO)
    if role == RecipientRole.CONTACT:
        return site.contact_name, site.contact_phone if phone else site.contact_email
    if role == RecipientRole.TECHNICIAN:
        return site.tech_name, site.tech_phone if phone else site.tech_email
    if role == RecipientRole.PROVINCE_ORGANISER:
        return province_organiser(site.province_id, channel)
    raise ValueError(f"unknown recipient role {role!r}")


def province_organiser(province_id: int | None, channel: str) -> tuple[str, str]:
    """The province's first organiser (oldest grant) with an address on the channel."""
    if province_id is None:
        return "", ""
    user_ids = list(
        Grant.objects.filter(role=Role.PROVINCE_ORGANISER, unit_id=province_id)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    if not user_ids:
        return "", ""
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
    by_id = {u.pk: u for u in users}
    phones = (
        dict(OrganiserPhone.objects.filter(user_id__in=user_ids).values_list("user_id", "phone"))
        if channel in (Channel.SMS, Channel.ZALO)
        else {}
    )
    for uid in user_ids:
        user = by_id.get(uid)
        if user is None:
            continue
        address = phones.get(uid, "") if phones or channel != Channel.EMAIL else user.email
        if address:
            return (user.get_full_name() or user.get_username()), address
    return "", ""

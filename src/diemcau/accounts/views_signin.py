"""Sign-in pages: login, second factor (enrol, code), password change, unlock and reset.

Thin: the rules live in accounts.signin and accounts.twofactor.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from diemcau.accounts import signin, twofactor
from diemcau.accounts.scopes import scope_for


class SignInForm(AuthenticationForm):
    """Django's login form; in production a demo account is refused with the reason."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if signin.demo_refused(user):
            raise ValidationError(signin.demo_refused_message(), code="demo_account")


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("held") == "demo":
            messages.error(request, signin.demo_refused_message())
        return super().get(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where the middleware sends a held session: enrolment first, else the code page."""
    if not twofactor.requires_2fa(request.user):
        return HttpResponseRedirect(_next(request))
    query = request.META.get("QUERY_STRING", "")
    target = "accounts:2fa_verify" if twofactor.has_device(request.user) else "accounts:2fa_enrol"
    return HttpResponseRedirect(reverse(target) + (f"?{query}" if query else ""))


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """QR code of a new authenticator; the first correct code confirms it and shows recovery
    codes once."""
    user = request.user
    if not twofactor.requires_2fa(user):  # a device nobody asks for would only mislead
        return HttpResponseRedirect(_next(request))
    if twofactor.has_device(user):
        return redirect("accounts:2fa_verify")
    device = twofactor.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm_enrolment(user, device, form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        form.add_error(
            "code",
            _("This code is not correct. Check your phone's clock and type the newest code."),
        )
    return render(
        request,
        "accounts/2fa_enrol.html",
        {
            "form": form,
            "qr": twofactor.qr_svg(device),
            "secret": twofactor.secret_for_typing(device),
            "next": _next(request),
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The code page: an authenticator code or a recovery code (each recovery code works once)."""
    user = request.user
    if not twofactor.requires_2fa(user):
        return HttpResponseRedirect(_next(request))
    if not twofactor.has_device(user):
        return redirect("accounts:2fa_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = twofactor.check_code(user, form.cleaned_data["code"])
        if check.device is not None:
            otp_login(request, check.device)
            if check.device.persistent_id.startswith("otp_static"):
                messages.warning(
                    request,
                    _("You used a recovery code; %(n)d left.")
                    % {"n": twofactor.recovery_codes_left(user)},
                )
            return HttpResponseRedirect(_next(request))
        if check.retry_at is not None:
            form.add_error("code", _("Too many wrong codes. Wait a few seconds and try again."))
        else:
            form.add_error("code", _("This code is not correct."))
    return render(request, "accounts/2fa_verify.html", {"form": form, "next": _next(request)})


@login_required
@require_POST
def regenerate_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes for a verified session (the old ones stop working)."""
    if not request.user.is_verified():  # type: ignore[union-attr]
        raise PermissionDenied
    codes = twofactor.new_recovery_codes(request.user)
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("home")}
    )


# -- organisers: locked-out people and second-factor resets ---------------------------------
def _organiser(request: HttpRequest) -> Any:
    scope = scope_for(request.user)
    if not scope.is_organiser:
        raise Http404
    return scope


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """People in the organiser's scope: locked out now, and their second-factor state."""
    scope = _organiser(request)
    query = (request.GET.get("q") or "").strip()
    people = get_user_model().objects.filter(is_active=True).order_by("username")
    if query:
        people = people.filter(username__icontains=query)
    if not scope.everything:
        provinces = [u.pk for u in scope.organiser_units]
        people = (
            people.filter(grants__unit__in=provinces)
            | people.filter(grants__unit__province__in=provinces)
            | people.filter(grants__sites__province__in=provinces)
        )
    candidates = list(people.distinct()[:500])
    shown = [p for p in candidates if twofactor.manages(scope, p)][:200]
    locked = {lo.username: lo for lo in signin.locked_out([p.username for p in shown])}
    with_device = set(
        twofactor.TOTPDevice.objects.filter(user__in=shown, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    rows = [
        {"person": p, "locked": locked.get(p.username), "enrolled": p.pk in with_device}
        for p in shown
    ]
    addresses = signin.locked_addresses() if scope.everything else []
    return render(
        request, "accounts/security.html", {"rows": rows, "q": query, "addresses": addresses}
    )


@login_required
@require_POST
def unlock_address(request: HttpRequest) -> HttpResponse:
    """Only the centre lifts the lock of a whole address: an address belongs to no province."""
    if not _organiser(request).everything:
        raise PermissionDenied
    address = (request.POST.get("ip_address") or "").strip()
    if address:
        signin.unlock(ip_address=address)
        messages.success(
            request, _("Sign-in from %(address)s is open again.") % {"address": address}
        )
    return redirect("accounts:security")


def _target(request: HttpRequest, user_id: int) -> Any:
    scope = _organiser(request)
    person = get_object_or_404(get_user_model(), pk=user_id)
    if not twofactor.manages(scope, person):
        raise PermissionDenied
    return person


@login_required
@require_POST
def unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _target(request, user_id)
    signin.unlock(username=person.get_username())
    messages.success(request, _("%(name)s can sign in again.") % {"name": person.get_username()})
    return redirect("accounts:security")


@login_required
@require_POST
def reset_2fa(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _target(request, user_id)
    twofactor.reset_devices(person)
    messages.success(
        request,
        _("Two-factor sign-in of %(name)s was reset: they enrol again at their next sign-in.")
        % {"name": person.get_username()},
    )
    return redirect("accounts:security")

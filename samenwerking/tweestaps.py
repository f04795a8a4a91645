"""Two-step login (TOTP, django-otp) for the roles that can change data or see many students.

- ``vereist_tweestaps(user)`` is THE rule of who must use it.
- After the password, such a user verifies a code from an authenticator app
  (``tweestaps_verifieren``), or on the first login sets the app up (``tweestaps_instellen``).
- ``TweestapsVereistMiddleware`` keeps such a user on those pages until verified; the API answers
  an unverified browser session with 403. School software uses a token (DRF
  TokenAuthentication), never a password alone.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.views import APIView

from samenwerking import audit
from samenwerking.models import AuditActie, Kanaal
from samenwerking.scope import scope_for

# Pages an unverified user who must use two-step login may still open.
VRIJE_PAGINAS = frozenset({"tweestaps-verifieren", "tweestaps-instellen", "logout", "health"})


def api_melding() -> str:
    return _(
        "Tweestapsverificatie is vereist: rond eerst het inloggen af met de code uit je "
        "authenticator-app, of gebruik een API-token."
    )


def vereist_tweestaps(user) -> bool:
    """Whether ``user`` must pass two-step login: superusers, applicatiebeheerders, beheerders
    and coordinators. A lezer (read only) alone is not asked."""
    if user is None or not user.is_authenticated:
        return False
    s = scope_for(user)
    return user.is_superuser or s.alles or bool(s.beheer) or bool(s.overeenkomsten)


def is_geverifieerd(user) -> bool:
    """True when this session passed the code step (django-otp's OTPMiddleware sets is_verified)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def _bevestigde_apparaten(user):
    return list(TOTPDevice.objects.devices_for_user(user, confirmed=True))


class TweestapsVereistMiddleware:
    """Sends a user who must use two-step login, and has not yet, to the code page; the API
    (DRF views) answers such a session 403 instead of a redirect.

    Runs after django-otp's OTPMiddleware. ``request.user`` here is the session's user: a token
    sent to the API is read later by DRF and never makes this user authenticated.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in VRIJE_PAGINAS:
            return None
        if not vereist_tweestaps(user) or is_geverifieerd(user):
            return None
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return JsonResponse({"detail": api_melding()}, status=403)
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('tweestaps-verifieren')}?{query}")


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, checked against the given devices."""

    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, apparaten, **kwargs):
        super().__init__(*args, **kwargs)
        self.apparaten = apparaten
        self.apparaat = None

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("Vul de zes cijfers in die je authenticator-app toont."))
        if not any(apparaat.verify_is_allowed()[0] for apparaat in self.apparaten):
            raise forms.ValidationError(
                _("Te veel onjuiste codes achter elkaar. Wacht een minuut en probeer het opnieuw.")
            )
        self.apparaat = next((a for a in self.apparaten if a.verify_token(code)), None)
        if self.apparaat is None:
            raise forms.ValidationError(
                _(
                    "Deze code klopt niet. Gebruik de code die nu in je authenticator-app staat "
                    "en controleer of de tijd op je telefoon goed staat."
                )
            )
        return code


def _volgende(request) -> str:
    """Where to go after the code step: a safe ``next``, else the start page."""
    volgende = request.POST.get("next") or request.GET.get("next") or ""
    if volgende and url_has_allowed_host_and_scheme(
        volgende, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return volgende
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _met_volgende(url_name: str, volgende: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': volgende})}"


def _rond_af(request, apparaat, volgende):
    # A fresh session key once the login is complete (no fixation of a half-way session).
    request.session.cycle_key()
    otp_login(request, apparaat)
    return redirect(volgende)


@sensitive_post_parameters("code")
@never_cache
@login_required
def tweestaps_verifieren(request):
    """'Voer de code uit je authenticator-app in', after the password."""
    user = request.user
    volgende = _volgende(request)
    if not vereist_tweestaps(user) or is_geverifieerd(user):
        return redirect(volgende)
    apparaten = _bevestigde_apparaten(user)
    if not apparaten:
        return redirect(_met_volgende("tweestaps-instellen", volgende))
    form = CodeForm(request.POST or None, apparaten=apparaten)
    if request.method == "POST" and form.is_valid():
        return _rond_af(request, form.apparaat, volgende)
    return render(request, "registration/tweestaps_verifieren.html", {"form": form, "next": volgende})


@sensitive_post_parameters("code")
@never_cache
@login_required
def tweestaps_instellen(request):
    """First login: connect an authenticator app (QR code or key), confirmed with its first code.

    Only while the user has no confirmed app: replacing one needs an applicatiebeheerder to
    remove the old one in /beheer/, so a stolen password alone cannot add an attacker's app.
    """
    user = request.user
    volgende = _volgende(request)
    if not vereist_tweestaps(user) or is_geverifieerd(user):
        return redirect(volgende)
    if _bevestigde_apparaten(user):
        return redirect(_met_volgende("tweestaps-verifieren", volgende))
    apparaat = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if apparaat is None:
        apparaat = TOTPDevice.objects.create(user=user, name=_("Authenticator-app"), confirmed=False)
    form = CodeForm(request.POST or None, apparaten=[apparaat])
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            apparaat.confirmed = True
            apparaat.save(update_fields=["confirmed"])
            audit.record_toegang(
                model=apparaat._meta.label,
                omschrijving="authenticator-app",
                eigenaar=user,
                actie=AuditActie.AANGEMAAKT,
                door=user,
                kanaal=Kanaal.UI,
            )
        return _rond_af(request, apparaat, volgende)
    geheim = b32encode(apparaat.bin_key).decode()
    qr = segno.make(apparaat.config_url, error="m")
    context = {
        "form": form,
        "next": volgende,
        # segno escapes nothing we pass: the title is a fixed string, the data is encoded as paths.
        "qr_svg": mark_safe(
            qr.svg_inline(scale=4, border=4, light="#fff", dark="#000", title=_("QR-code"), svgclass="qr")
        ),
        "geheim": " ".join(geheim[i : i + 4] for i in range(0, len(geheim), 4)),
    }
    return render(request, "registration/tweestaps_instellen.html", context)


def geblokkeerd(request, original_response=None, credentials=None):
    """django-axes' lockout answer: a Dutch page with status 429 saying how long to wait."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "minuten": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
    }
    return render(request, "registration/geblokkeerd.html", context, status=429)


def client_ip(request) -> str | None:
    """The client's address for django-axes. Behind ``LEERROUTE_PROXY_AANTAL`` trusted reverse
    proxies it is the address the outermost of them saw: the N-th entry of X-Forwarded-For from
    the right (entries further left are whatever the client sent, so never trusted)."""
    aantal = settings.LEERROUTE_PROXY_AANTAL
    if aantal > 0:
        doorgestuurd = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        doorgestuurd = [a for a in doorgestuurd if a]
        if len(doorgestuurd) >= aantal:
            return doorgestuurd[-aantal]
    return request.META.get("REMOTE_ADDR")

"""The isolation matrix's entries for the admin (/beheer/): its own pages, and the generic rule for
the per-model URLs of every registered model (changelist, add, change, delete, history and the
"<object_id>/" redirect) with the models that deliberately differ."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.isolatie_regels import (
    BEHEER_LOGIN,
    GESCHIEDENIS,
    NIET_GEVONDEN,
    OK,
    OMGELEID,
    VERBODEN,
    Patroon,
    Regel,
    _object_id,
    verwacht,
)

BEHEER_MATRIX: dict[str, Regel] = {
    # --- the admin, besides the per-model URLs ------------------------------------------------------
    "admin:index": Regel(b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN)),
    # Logged in with a role: on to the index; without one: the login form says so.
    "admin:login": Regel(b=verwacht(OMGELEID, OMGELEID, OK, OK)),
    "admin:logout": Regel(b=verwacht(OMGELEID, OMGELEID, OMGELEID, OMGELEID), methode="post"),
    "admin:password_change": Regel(b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN)),
    "admin:password_change_done": Regel(b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN)),
    "admin:jsi18n": Regel(b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN)),
    # Only a qualification (reference data, public) has an autocomplete.
    "admin:autocomplete": Regel(
        b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN),
        query=lambda w, k: {
            "app_label": "leerroute",
            "model_name": "leerroute",
            "field_name": "kwalificatie",
            "term": k.kwalificatie.naam,
        },
    ),
    # No model has a public URL (get_absolute_url): 404 for everyone.
    "admin:view_on_site": Regel(
        b=verwacht(NIET_GEVONDEN, NIET_GEVONDEN, BEHEER_LOGIN, BEHEER_LOGIN),
        object="leerling",
        kwargs=lambda o: {"content_type_id": ContentType.objects.get_for_model(o).pk, "object_id": o.pk},
    ),
    "admin:app_list": Regel(
        b=verwacht(OK, OK, BEHEER_LOGIN, BEHEER_LOGIN), kwargs=lambda o: {"app_label": "registratie"}
    ),
    # A user's password (UserAdmin): B's user is not found; a lezer or coordinator changes nobody.
    "admin:auth_user_password_change": Regel(
        b=verwacht(OK, NIET_GEVONDEN, BEHEER_LOGIN, BEHEER_LOGIN),
        a={
            "applicatiebeheerder": OK,
            "beheerder_vo_a": OK,
            "beheerder_mbo_a": NIET_GEVONDEN,
            "lezer_vo_a": NIET_GEVONDEN,  # a lezer sees no users at all
            "coordinator_a": NIET_GEVONDEN,
        },
        object="beheerder",
        kwargs=lambda o: {"id": o.pk},
    ),
    # django-otp's secret-key pages: hidden for everyone (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "admin:otp_totp_totpdevice_config": Regel(
        b=verwacht(VERBODEN, VERBODEN, BEHEER_LOGIN, BEHEER_LOGIN), object="authenticator"
    ),
    "admin:otp_totp_totpdevice_qrcode": Regel(
        b=verwacht(VERBODEN, VERBODEN, BEHEER_LOGIN, BEHEER_LOGIN), object="authenticator"
    ),
    "beheer/(?P<url>.*)$": Regel(
        b=verwacht(NIET_GEVONDEN, NIET_GEVONDEN, BEHEER_LOGIN, BEHEER_LOGIN),
        pad=lambda o: "/beheer/bestaat-niet/",
    ),
}

# --- the admin's per-model URLs -----------------------------------------------------------------------

# For every model registered in the admin: the Kant attribute holding its object on each side.
ADMIN_OBJECTEN = {
    "samenwerking.bestuur": "bestuur",
    "samenwerking.instelling": "vo",
    "samenwerking.vestiging": "vestiging",
    "samenwerking.samenwerkingsovereenkomst": "overeenkomst",
    "samenwerking.lidmaatschap": "lidmaatschap",
    "samenwerking.gebruiker": "beheerder",
    "samenwerking.auditregel": "auditregel",
    "leerroute.kwalificatie": "kwalificatie",
    "leerroute.leerroute": "leerroute",
    "leerroute.leerjaarprogramma": "programma",
    "registratie.leerling": "leerling",
    "registratie.inschrijving": "inschrijving",
    "registratie.fasewissel": "fasewissel",
    "registratie.uitstroom": "uitstroom",
    "registratie.signaal": "signaal",
    "authtoken.tokenproxy": "token",
    "otp_totp.totpdevice": "authenticator",
    "axes.accessattempt": "inlogpoging",
    "axes.accesslog": "inloglog",
    "axes.accessfailurelog": "mislukte_inlog",
    "registratie.rodbericht": "bericht",
    "registratie.rodberichtstatus": "berichtstatus",
    "registratie.rodterugkoppeling": "terugkoppeling",
    "registratie.rodterugkoppelingregel": "terugkoppelingregel",
    "registratie.rodterugkoppelingmelding": "melding",
    "registratie.rodafstemming": "afstemming",
    "registratie.rodverschil": "verschil",
}
# Public registry data (DUO) and reference data: every role views them (read-only unless they
# are the user's own); everything else is scoped and answers 404 outside the scope.
ADMIN_PUBLIEK = {
    "samenwerking.bestuur",
    "samenwerking.instelling",
    "samenwerking.vestiging",
    "leerroute.kwalificatie",
}
# Login security (samenwerking/admin_toegang.py): the applicatiebeheerder only; 403 for every
# other role, whichever side the row belongs to.
ADMIN_APPLICATIEBEHEER = {
    "authtoken.tokenproxy",
    "otp_totp.totpdevice",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}
# The ROD exchange (registratie/rod/admin.py): read-only lists for the applicatiebeheerder; a
# school's beheerders use the ROD screens. "Geschiedenis" leads to the audit trail, as everywhere.
ADMIN_ROD = {
    "registratie.rodbericht",
    "registratie.rodberichtstatus",
    "registratie.rodterugkoppeling",
    "registratie.rodterugkoppelingregel",
    "registratie.rodterugkoppelingmelding",
    "registratie.rodafstemming",
    "registratie.rodverschil",
}
ADMIN_APPLICATIEBEHEER |= ADMIN_ROD

ADMIN_SOORTEN = ("changelist", "add", "change", "delete", "history")

# Where a model's admin deliberately differs from the generic rule: (label, URL kind) ->
# (overrides of b, overrides of a).
ADMIN_UITZONDERINGEN = {
    # The audit trail: for administrators only (not a lezer or coordinator); nobody deletes a row
    # and it has no history of its own.
    ("samenwerking.auditregel", "changelist"): ({"coordinator_a": VERBODEN, "lezer_vo_a": VERBODEN}, {}),
    ("samenwerking.auditregel", "delete"): (
        {"applicatiebeheerder": VERBODEN},
        {"applicatiebeheerder": VERBODEN, "beheerder_vo_a": VERBODEN},
    ),
    ("samenwerking.auditregel", "history"): (
        {"applicatiebeheerder": NIET_GEVONDEN},
        {"applicatiebeheerder": NIET_GEVONDEN, "beheerder_vo_a": NIET_GEVONDEN},
    ),
    # Qualifications are reference data: only the applicatiebeheerder changes or deletes them.
    ("leerroute.kwalificatie", "delete"): ({}, {"beheerder_vo_a": VERBODEN}),
    # A recorded fase change is history: it is not deleted in the admin (the fase engine owns it).
    ("registratie.fasewissel", "delete"): ({}, {"beheerder_vo_a": VERBODEN}),
    **{(label, "history"): ({"applicatiebeheerder": GESCHIEDENIS}, {}) for label in ADMIN_ROD},
}


def _admin_modellen() -> dict[str, type]:
    return {m._meta.label_lower: m for m in admin.site._registry}


def _snapshot(obj):
    return list(type(obj)._default_manager.filter(pk=obj.pk).values())


def admin_regel(p: Patroon) -> Regel | None:
    """The generic rule for the per-model URLs of a registered model, or None."""
    for label, model in _admin_modellen().items():
        app, naam = model._meta.app_label, model._meta.model_name
        if p.naam and p.naam.startswith(f"admin:{app}_{naam}_"):
            soort = p.naam.removeprefix(f"admin:{app}_{naam}_")
        elif p.naam is None and p.route == f"beheer/{app}/{naam}/<path:object_id>/":
            soort = "redirect"
        else:
            continue
        if soort not in (*ADMIN_SOORTEN, "redirect") or label not in ADMIN_OBJECTEN:
            return None
        return _admin_regel(label, soort, ADMIN_OBJECTEN[label])
    return None


def _admin_regel(label: str, soort: str, obj: str) -> Regel:
    regel = _admin_regel_algemeen(label, soort, obj)
    b_anders, a_anders = ADMIN_UITZONDERINGEN.get((label, soort), ({}, {}))
    regel.b.update(b_anders)
    regel.a.update(a_anders)
    return regel


def _admin_regel_algemeen(label: str, soort: str, obj: str) -> Regel:
    naar_login = {"zonder_rol": BEHEER_LOGIN, "anoniem": BEHEER_LOGIN}
    changelist_naam = "admin:{}_{}_change".format(*label.split("."))

    def change_href(w, k):
        return [f'href="{reverse(changelist_naam, args=[getattr(k, obj).pk])}']

    if soort == "redirect":  # "<object_id>/" only redirects to "<object_id>/change/"
        return Regel(
            b=verwacht(OMGELEID, OMGELEID, **naar_login),
            object=obj,
            kwargs=_object_id,
            pad=lambda o: f"/beheer/{o._meta.app_label}/{o._meta.model_name}/{o.pk}/",
        )
    if label in ADMIN_APPLICATIEBEHEER:
        app = (OK, VERBODEN) if soort in ("add", "delete") else OK  # adding/deleting differs per model
        return Regel(
            b=verwacht(app, VERBODEN, **naar_login),
            object=None if soort in ("changelist", "add") else obj,
            kwargs=_object_id,
            bewijs=_snapshot,
            post_b=verwacht(None, VERBODEN, **naar_login) if soort in ("change", "delete") else None,
            post_data=(lambda: {"post": "yes"}) if soort == "delete" else (lambda: {}),
        )
    if soort == "changelist":
        return Regel(
            b=verwacht(OK, OK, **naar_login),
            a={"beheerder_vo_a": OK},
            lijst=True,
            publiek_b=label in ADMIN_PUBLIEK,
            aanwezig=change_href,
        )
    if soort == "add":
        # Who may add what differs per model (a lezer or coordinator never); either way the form's
        # choice lists show nothing of B (checked on every 200 answer).
        return Regel(b=verwacht((OK, VERBODEN), (OK, VERBODEN), **naar_login))
    # "Geschiedenis" leads to the object's audit trail (samenwerking.geschiedenis), which checks
    # who may read it; the admin only answers 404 for an object outside the scope.
    eigen = GESCHIEDENIS if soort == "history" else OK
    if label in ADMIN_PUBLIEK:
        b = {
            "change": verwacht(OK, OK, **naar_login),  # read-only for whoever does not own it
            "history": verwacht(GESCHIEDENIS, GESCHIEDENIS, **naar_login),
            "delete": verwacht(OK, VERBODEN, **naar_login),
        }[soort]
        post = verwacht(None, VERBODEN, **naar_login) if soort in ("change", "delete") else None
    else:
        b = verwacht(eigen, NIET_GEVONDEN, **naar_login)
        post = verwacht(None, NIET_GEVONDEN, **naar_login) if soort in ("change", "delete") else None
    return Regel(
        b=b,
        a={"applicatiebeheerder": eigen, "beheerder_vo_a": eigen},
        object=obj,
        kwargs=_object_id,
        publiek_b=label in ADMIN_PUBLIEK,
        bewijs=_snapshot,
        post_b=post,
        post_data=(lambda: {"post": "yes"}) if soort == "delete" else (lambda: {}),
    )

"""Visiting one URL of the isolation matrix as one role, and checking the answer: its status, that
nothing of the other side shows, and that a refused write changed nothing. The logged-in sessions
come from the ``wereld`` fixture (tests/conftest.py)."""

from __future__ import annotations

import json

from django.urls import reverse
from rest_framework.test import APIClient

from tests.isolatie_regels import (
    API_ANONIEM,
    BEHEER_LOGIN,
    GESCHIEDENIS,
    LEEG,
    LOGIN,
    WEIGERINGEN,
    Patroon,
    Regel,
    _object_id,
    _pk,
)
from tests.isolatie_wereld import A_MERKTEKENS, A_ROLLEN, B_MERKTEKENS, Kant


def client_voor(w, rol: str) -> APIClient:
    c = APIClient()
    for naam, waarde in w.koekjes.get(rol, {}).items():
        c.cookies[naam] = waarde
    return c


def _inhoud(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _controleer_status(response, verwacht, context: str):
    s = response.status_code
    waar = response.get("Location", "")
    if verwacht == LOGIN:
        ok = s == 302 and waar.startswith(reverse("login"))
    elif verwacht == BEHEER_LOGIN:
        ok = s == 302 and waar.startswith(reverse("admin:login"))
    elif verwacht == GESCHIEDENIS:
        ok = s == 302 and waar.startswith("/geschiedenis/")
    elif verwacht == API_ANONIEM:
        ok = s in (401, 403)
    elif verwacht == LEEG:
        ok = s in (200, 403)
    elif isinstance(verwacht, tuple):
        ok = s in verwacht
    else:
        ok = s == verwacht
    assert ok, f"{context}: verwacht {verwacht}, kreeg {s} {waar}".rstrip()


def _api_ids(response) -> list:
    data = json.loads(_inhoud(response))
    rijen = data["results"] if isinstance(data, dict) and "results" in data else data
    return [r["id"] for r in rijen]


def _controleer_inhoud(regel: Regel, response, w, kant: Kant, kant_naam: str, rol: str, verwacht, context):
    if response.status_code != 200:
        return
    inhoud = _inhoud(response)
    if rol in A_ROLLEN or rol == "zonder_rol":
        gelekt = [m for m in (*B_MERKTEKENS, *w.b_nummers) if m in inhoud]
        assert not gelekt, f"{context}: toont gegevens van de andere kant: {gelekt}"
    if rol == "zonder_rol" or verwacht == LEEG:
        gelekt = [m for m in A_MERKTEKENS if m in inhoud]
        assert not gelekt, f"{context}: een gebruiker zonder rol ziet {gelekt}"
        if regel.api and regel.lijst:
            assert _api_ids(response) == [], f"{context}: een gebruiker zonder rol ziet rijen"
        return
    if not regel.lijst:
        return
    # Whose object must show: B's for the applicatiebeheerder (and, if public, for everyone);
    # A's for the A roles the entry names; B's never for an A role otherwise.
    moet_zien = (
        rol == "applicatiebeheerder"
        or regel.publiek_b
        or (kant_naam == "a" and rol in regel.a and rol not in regel.a_verborgen)
    )
    if regel.api:
        obj = getattr(kant, regel.object)
        ids = _api_ids(response)
        assert (obj.pk in ids) is moet_zien, (
            f"{context}: id {obj.pk} {'ontbreekt' if moet_zien else 'staat erin'}"
        )
    elif regel.aanwezig:
        for tekst in regel.aanwezig(w, kant):
            assert (tekst in inhoud) is moet_zien, (
                f"{context}: {tekst!r} {'ontbreekt' if moet_zien else 'staat erin'}"
            )


def _url(regel: Regel, p: Patroon, obj) -> str:
    if regel.pad is not None:
        return regel.pad(obj)
    kwargs = regel.kwargs(obj) if (obj is not None or regel.kwargs not in (_pk, _object_id)) else {}
    if p.met_format:
        kwargs["format"] = "json"
    return reverse(p.naam, kwargs=kwargs)


def _bezoek(regel: Regel, p: Patroon, w, kant_naam: str, rol: str, verwacht):
    kant = getattr(w, kant_naam)
    obj = getattr(kant, regel.object) if regel.object else None
    url = _url(regel, p, obj)
    context = f"{p.test_id} als {rol} met het object van kant {kant_naam.upper()} ({url})"
    voor = regel.bewijs(obj) if regel.bewijs and obj is not None else None
    c = client_voor(w, rol)
    if regel.methode == "post":
        response = c.post(url, regel.data(w, kant) if regel.data else {})
    else:
        response = c.get(url, regel.query(w, kant) if regel.query else None)
    _controleer_status(response, verwacht, context)
    _controleer_inhoud(regel, response, w, kant, kant_naam, rol, verwacht, context)
    if voor is not None and verwacht in WEIGERINGEN:
        assert regel.bewijs(obj) == voor, f"{context}: geweigerd, maar er is toch iets gewijzigd"
    if kant_naam == "b" and regel.post_b and regel.post_b.get(rol) is not None:
        response = client_voor(w, rol).post(url, regel.post_data())
        _controleer_status(response, regel.post_b[rol], f"POST {context}")
        assert regel.bewijs(obj) == voor, f"POST {context}: geweigerd, maar er is toch iets gewijzigd"

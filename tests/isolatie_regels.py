"""The rules of the isolation matrix (tests/test_isolatie_matrix.py): the URL list from the
resolver, the expected answers per role, and ``Regel``, how one URL is visited; with the builders
that several endpoint families share (a list, a detail page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLResolver, get_resolver, reverse

from tests.isolatie_wereld import A_ROLLEN, ROLLEN

# --- the URL list, from the resolver ----------------------------------------------------------------


@dataclass(frozen=True)
class Patroon:
    route: str
    naam: str | None
    met_format: bool  # a DRF format-suffix variant (".json")

    @property
    def sleutel(self) -> str:
        """The matrix key: the URL name, or for an unnamed pattern its route."""
        return self.naam or self.route

    @property
    def test_id(self) -> str:
        return self.sleutel + ("[.format]" if self.met_format else "")


def _wandel(patterns, prefix: str = "", ns: str | None = None):
    for p in patterns:
        if isinstance(p, URLResolver):
            sub = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _wandel(p.url_patterns, prefix + str(p.pattern), sub)
        else:
            naam = f"{ns}:{p.name}" if ns and p.name else p.name
            yield Patroon(prefix + str(p.pattern), naam, "format" in p.pattern.regex.groupindex)


def alle_patronen() -> list[Patroon]:
    return list(dict.fromkeys(_wandel(get_resolver().url_patterns)))


# --- expected answers -------------------------------------------------------------------------------

OK, OMGELEID, ONGELDIG, VERBODEN, NIET_GEVONDEN = 200, 302, 400, 403, 404
LOGIN = "naar de inlogpagina"  # 302 to settings.LOGIN_URL
BEHEER_LOGIN = "naar de inlogpagina van het beheer"  # 302 to admin:login
GESCHIEDENIS = "naar de geschiedenis"  # 302 to the object's history page (samenwerking.geschiedenis)
API_ANONIEM = "401 of 403"
LEEG = "403, of 200 zonder gegevens"  # a list for a user without any role
WEIGERINGEN = {NIET_GEVONDEN, VERBODEN, LOGIN, BEHEER_LOGIN, API_ANONIEM}


def verwacht(app, a_rollen, zonder_rol, anoniem, **per_rol) -> dict:
    """role -> expected answer: the applicatiebeheerder, every A-side role, a user without a role,
    anonymous; ``per_rol`` overrides single roles."""
    d = {"applicatiebeheerder": app, "zonder_rol": zonder_rol, "anoniem": anoniem}
    d.update(dict.fromkeys(A_ROLLEN, a_rollen))
    d.update(per_rol)
    return d


def _pk(obj) -> dict:
    return {"pk": obj.pk}


def _object_id(obj) -> dict:
    return {"object_id": obj.pk}


def _geen(obj) -> dict:
    """The object is in the data or the page, not in the URL."""
    return {}


@dataclass
class Regel:
    """How one URL is visited in the matrix.

    ``object`` names the attribute of a Kant (isolatie_wereld) whose object goes into the URL;
    ``b`` maps every role to the expected answer with B's object; ``a`` maps some roles to the
    answer with A's own object. ``aanwezig`` gives texts that identify the Kant's object on this
    page: shown to the applicatiebeheerder (B) and the A roles of ``a`` (A), never to another
    side. ``bewijs`` snapshots what a refused request must leave unchanged. ``post_b`` is a
    follow-up POST (``post_data``) with B's object, per role (admin change and delete).
    """

    b: dict
    a: dict = field(default_factory=dict)
    object: str | None = None
    kwargs: Callable = _pk
    pad: Callable | None = None  # the URL itself, for an unnamed pattern
    methode: str = "get"
    data: Callable | None = None  # (wereld, kant) -> POST data
    query: Callable | None = None  # (wereld, kant) -> GET parameters
    api: bool = False
    lijst: bool = False
    publiek_b: bool = False  # B's object is public data (instellingen, DUO's registers)
    aanwezig: Callable | None = None  # (wereld, kant) -> [texts]
    a_verborgen: tuple = ()  # roles of ``a`` that must NOT see their own side's object in the list
    bewijs: Callable | None = None  # (object) -> snapshot
    post_b: dict | None = None
    post_data: Callable | None = None

    def __post_init__(self):
        assert set(self.b) == set(ROLLEN), f"b must name every role: {sorted(set(ROLLEN) - set(self.b))}"


def _lijst_ui(aanwezig, *, a=None, zonder_rol=LEEG) -> Regel:
    return Regel(
        b=verwacht(OK, OK, zonder_rol, LOGIN),
        a=a if a is not None else dict.fromkeys(A_ROLLEN, OK),
        lijst=True,
        aanwezig=aanwezig,
    )


def _detail_ui(obj: str, a: dict, **kw) -> Regel:
    return Regel(b=verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN), a=a, object=obj, **kw)


def _href(naam: str, obj) -> str:
    return f'href="{reverse(naam, args=[obj.pk])}"'


ALLEEN_BEHEERDERS = verwacht(OK, OK, VERBODEN, LOGIN, coordinator_a=VERBODEN, lezer_vo_a=VERBODEN)
ALLEEN_BEHEERDER_VO_A = verwacht(OK, NIET_GEVONDEN, NIET_GEVONDEN, LOGIN, beheerder_vo_a=OK)
OVERAL_OK = verwacht(OK, OK, OK, OK)

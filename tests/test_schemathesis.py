"""Schemathesis against /api/schema/ (issue 14): for a key of each role, generated requests on every
/api/v1/ operation give no server error, no status the schema does not document, and no body or
header that breaks the schema. A modest number of examples per operation keeps this to a minute
or two; it runs in CI with the rest of the suite, on a small seeded database."""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    ensure_resource_availability,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from registratie.models import Signaal
from samenwerking.api.sleutels import sleutel_aanmaken
from tests.factories import (
    InstellingFactory,
    LeerrouteFactory,
    OvereenkomstFactory,
    gebruiker_met_rol,
    route_leerling,
)

pytestmark = pytest.mark.django_db
CONTROLES = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
VOORBEELDEN = 6  # per operation and mode: a few minutes at most for all roles
ROLLEN = ["lezen", "lezen-schrijven", "coordinator", "applicatiebeheerder"]


@pytest.fixture
def sleutel(rol, db, settings):
    """A small seeded world (a route with a student on both sides, a signal) and the header of
    one role's key."""
    settings.LEERROUTE_API_TEMPO = "100000/minute"  # throttling has its own test
    cache.clear()
    vo, mbo = InstellingFactory(), InstellingFactory(mbo=True)
    overeenkomst = OvereenkomstFactory(actief=True, vo_instelling=vo, mbo_instelling=mbo)
    vo_kant, _mbo_kant = route_leerling(LeerrouteFactory(overeenkomst=overeenkomst))
    Signaal.objects.create(
        regel="R-INS-6",
        sleutel="schemathesis",
        leerling=vo_kant.leerling,
        inschrijving=vo_kant,
        overeenkomst=overeenkomst,
        instelling=vo,
        partner_instelling=mbo,
        toelichting="Afwijking",
    )
    beheerder = gebruiker_met_rol("beheerder", instelling=vo)
    if rol in ("lezen", "lezen-schrijven"):
        _rij, waarde = sleutel_aanmaken(instelling=vo, naam="Schemathesis", bevoegdheid=rol, door=beheerder)
    elif rol == "coordinator":
        waarde = Token.objects.create(user=gebruiker_met_rol("coordinator", overeenkomst=overeenkomst)).key
    else:
        waarde = Token.objects.create(user=gebruiker_met_rol("applicatiebeheerder")).key
    return {"Authorization": f"Token {waarde}"}


@pytest.fixture(autouse=True)
def _verbinding_open_houden():
    """The WSGI app closes the database connection around each request (close_old_connections);
    inside the test's transaction that would end it. Django's test client switches this off the
    same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _operaties():
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    return [r.ok() for r in schema.include(path_regex="^/api/v1/").get_all_operations()]


def _controleer(operatie, modus, headers) -> None:
    @given(case=operatie.as_strategy(generation_mode=modus))
    @settings(
        max_examples=VOORBEELDEN, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
    )
    def verzoek(case):
        case.call_and_validate(headers=headers, checks=CONTROLES)

    verzoek()


@pytest.mark.parametrize("rol", ROLLEN)
def test_the_api_keeps_to_its_schema(rol, sleutel):
    operaties = _operaties()
    assert len(operaties) >= 30  # every /api/v1/ operation, not a stray subset
    fouten = []
    for operatie in operaties:
        for modus in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _controleer(operatie, modus, sleutel)
            except Exception as exc:  # collect every operation's failure, then report them all
                fouten.append(f"{operatie.label} ({modus.value}): {exc}")
    assert not fouten, "\n\n".join(fouten)


STAPPEN = 5  # operations per stateful scenario
# Scenarios per role: enough that a read-only key, whose writes all answer 403, follows links too.
SCENARIO_S = 16


def _links(schema) -> int:
    return sum(
        len(antwoord.get("links", {}))
        for operaties in schema.raw_schema["paths"].values()
        for operatie in operaties.values()
        if isinstance(operatie, dict)
        for antwoord in operatie.get("responses", {}).values()
    )


@pytest.mark.parametrize("rol", ROLLEN)
def test_linked_operations_keep_to_the_schema_in_sequence(rol, sleutel):
    """The stateful phase: schemathesis follows the schema's links (a list's first result or a
    created object to its detail, update and actions; a detail's ETag to its update) and checks
    every response of the sequence, plus that a created object can be fetched."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(
        path_regex="^/api/v1/"
    )
    assert _links(schema) >= 30  # every list and create operation links to its object

    gevolgd = []  # the links a step followed with its value filled in from the previous answer

    class Werkstroom(schema.as_state_machine()):
        def step(self, input):
            if input.transition is not None and input.is_applied and not input.transition.is_inferred:
                gevolgd.append(input.transition.id)
            return super().step(input)

        def get_call_kwargs(self, case):
            return {"headers": sleutel}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response, checks=[*CONTROLES, ensure_resource_availability, use_after_free], headers=sleutel
            )

    Werkstroom.run(
        settings=settings(
            max_examples=SCENARIO_S,
            stateful_step_count=STAPPEN,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )
    assert gevolgd, "the stateful phase followed no link"

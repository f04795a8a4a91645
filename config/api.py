"""API conventions shared by every endpoint."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

RULE_PREFIX_SEPARATOR = ": "


def _rule_of(message: str) -> str | None:
    head, sep, _rest = message.partition(RULE_PREFIX_SEPARATOR)
    return head if sep and head.startswith("R-") else None


def invalid_params(detail) -> list[dict]:
    """Flatten {field: [messages]} into [{name, code, rule, reason}] (open-forms style)."""
    items = detail.items() if isinstance(detail, dict) else [("__all__", detail)]
    params = []
    for name, messages in items:
        for message in messages if isinstance(messages, list | tuple) else [messages]:
            text = str(message)
            params.append(
                {
                    "name": "nonFieldErrors" if name in ("__all__", "non_field_errors") else name,
                    "code": getattr(message, "code", "invalid"),
                    "rule": _rule_of(text),
                    "reason": text,
                }
            )
    return params


def exception_handler(exc, context):
    """Map a domain ValidationError to a 400 that names field, rule and message."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return Response(
            {"title": "Ongeldige invoer", "invalidParams": invalid_params(detail)},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, IntegrityError):
        # A constraint the rules did not catch first (two writers at once): nothing was saved.
        return Response(
            {
                "detail": "Conflict met een bestaande rij; er is niets opgeslagen. "
                "Haal de gegevens opnieuw op."
            },
            status=status.HTTP_409_CONFLICT,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 400 and isinstance(response.data, dict):
        response.data = {"title": "Ongeldige invoer", "invalidParams": invalid_params(response.data)}
    return response


# --- the schema: every status code an operation can answer, and the deprecated alias ------------------

FOUT = {
    "type": "object",
    "description": "Een fout, met een uitleg in het Nederlands.",
    "properties": {"detail": {"type": "string", "description": "Wat er mis is."}},
    "required": ["detail"],
}
ONGELDIGE_INVOER = {
    "type": "object",
    "description": "De invoer is geweigerd: per veld welke regel en waarom. Er is niets opgeslagen.",
    "properties": {
        "title": {"type": "string", "description": "Altijd 'Ongeldige invoer'."},
        "invalidParams": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "Het veld (nonFieldErrors: het geheel)."},
                    "code": {
                        "type": "string",
                        "description": "Soort fout, bijvoorbeeld required of invalid.",
                    },
                    "rule": {
                        "type": "string",
                        "nullable": True,
                        "description": "Id van de regel uit het domein (R-INS-2, …), als een regel weigert.",
                    },
                    "reason": {"type": "string", "description": "De melding, met het regel-id vooraan."},
                },
                "required": ["name", "code", "rule", "reason"],
            },
        },
    },
    "required": ["title", "invalidParams"],
}
FOUT_REF = {"$ref": "#/components/schemas/Fout"}

STATUS_UITLEG = {
    "400": "Ongeldige invoer (of een ongeldige filterwaarde): invalidParams noemt veld, regel-id en reden.",
    "401": "Geen of een ongeldige API-sleutel; de header WWW-Authenticate noemt het schema (Token).",
    "403": "U bent ingelogd, maar uw rol of de bevoegdheid van de sleutel staat dit niet toe.",
    "404": "Bestaat niet, of valt buiten de instellingen en leerroutes die u mag zien.",
    "409": "Conflict met de huidige toestand (bijvoorbeeld: het signaal is al afgehandeld).",
    "412": "If-Match komt niet overeen met de huidige ETag: iemand anders wijzigde het object intussen.",
    "428": "Een wijziging (PUT/PATCH) vraagt de header If-Match met de ETag die GET gaf.",
    "429": "Te veel verzoeken met deze sleutel; probeer het na Retry-After seconden opnieuw.",
}


def _codes(pad: str, methode: str) -> list[str]:
    codes = ["400", "401", "403", "429"]
    if "{" in pad or methode != "get":
        codes.append("404")
    if methode in ("post", "put", "patch", "delete"):
        codes.append("409")
    if methode in ("put", "patch") or (methode == "post" and "{" in pad):
        codes.append("412")
    if methode in ("put", "patch"):
        codes.append("428")
    return codes


def schema_aanvullen(result, generator, request, public):
    """drf-spectacular postprocessing hook: document every error status on every operation (with
    a Dutch description and body schema), the ETag header of a detail GET, and mark the /api/ alias
    of /api/v1/ deprecated."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Fout"] = FOUT
    schemas["OngeldigeInvoer"] = ONGELDIGE_INVOER
    for pad, operaties in result.get("paths", {}).items():
        for methode, operatie in operaties.items():
            antwoorden = operatie.setdefault("responses", {})
            for code in _codes(pad, methode):
                schema = {"$ref": "#/components/schemas/OngeldigeInvoer"} if code == "400" else FOUT_REF
                antwoorden.setdefault(
                    code,
                    {"description": STATUS_UITLEG[code], "content": {"application/json": {"schema": schema}}},
                )
            if methode == "get" and "{" in pad and "200" in antwoorden:
                antwoorden["200"].setdefault("headers", {})["ETag"] = {
                    "schema": {"type": "string"},
                    "description": "Versie van het object; stuur hem terug als If-Match bij een wijziging.",
                }
            if methode in ("put", "patch", "post") and "{" in pad:
                operatie.setdefault("parameters", []).append(
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "ETag van het object zoals u het ophaalde. Verplicht bij PUT en "
                        "PATCH (anders 428); bij een actie (POST) gecontroleerd als hij is meegestuurd.",
                    }
                )
            if not pad.startswith("/api/v1/"):
                operatie["deprecated"] = True
    return result


def niet_gevonden(request, exception=None):
    """handler404: under /api/ a JSON 404 (the documented Fout body), also for a URL no route
    matches (an id that is not a number); elsewhere Django's page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Niet gevonden."}, status=404)
    return page_not_found(request, exception)


def _detail_operaties(paden: dict, pad: str) -> list[tuple[str, str]]:
    """The operations on one object of a list path (``/api/v1/x/`` → ``/api/v1/x/{id}/`` and its
    actions ``/api/v1/x/{id}/…/``), as (operationId, method)."""
    detail = f"{pad}{{id}}/"
    return [
        (operatie["operationId"], methode)
        for p, operaties in paden.items()
        if p == detail or (p.startswith(detail) and "{" not in p[len(detail) :])
        for methode, operatie in operaties.items()
        if "operationId" in operatie
    ]


def _link(operation_id: str, methode: str, id_uit: str, etag: bool) -> dict:
    parameters = {"id": id_uit}
    if etag and methode in ("put", "patch"):
        parameters["header.If-Match"] = "$response.header.ETag"
    return {"operationId": operation_id, "parameters": parameters}


def schema_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: OpenAPI links between operations, so a client (and
    schemathesis' stateful phase) follows an object from where it appears to what can be done
    with it: a list's first result and a created object (201) to their detail, update and actions;
    a detail GET to its update with the ETag as If-Match. Only /api/v1/ (the alias is deprecated)."""
    paden = result.get("paths", {})
    for pad, operaties in paden.items():
        if not pad.startswith("/api/v1/") or "{" in pad:
            continue
        doelen = _detail_operaties(paden, pad)
        if not doelen:
            continue
        bronnen = [("get", "200", "$response.body#/results/0/id"), ("post", "201", "$response.body#/id")]
        for methode, code, id_uit in bronnen:
            antwoord = operaties.get(methode, {}).get("responses", {}).get(code)
            if antwoord is not None:
                antwoord["links"] = {op: _link(op, m, id_uit, etag=False) for op, m in doelen}
        detail = paden.get(f"{pad}{{id}}/", {}).get("get", {}).get("responses", {}).get("200")
        if detail is not None:
            detail["links"] = {
                op: _link(op, m, "$response.body#/id", etag=True) for op, m in doelen if m != "get"
            }
    return result

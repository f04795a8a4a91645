"""API conventions shared by every endpoint."""

from django.core.exceptions import ValidationError as DjangoValidationError
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
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 400 and isinstance(response.data, dict):
        response.data = {"title": "Ongeldige invoer", "invalidParams": invalid_params(response.data)}
    return response

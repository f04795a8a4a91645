"""{% geschiedenis_url obj as url %}: the history page of ``obj`` for the current user, or ""."""

from django import template

from samenwerking import geschiedenis

register = template.Library()


@register.simple_tag(takes_context=True)
def geschiedenis_url(context, obj) -> str:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return geschiedenis.geschiedenis_url(user, obj) if user is not None else ""

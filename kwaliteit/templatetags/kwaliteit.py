"""The dashboard block "routes in voorbereiding": one include, fed by one selector, so the home
page needs one line (``{% load kwaliteit %}{% routes_in_voorbereiding %}``)."""

from django import template

from kwaliteit import selectors

register = template.Library()


@register.inclusion_tag("kwaliteit/_voorbereiding.html", takes_context=True)
def routes_in_voorbereiding(context):
    user = context["request"].user
    return {
        "routes": selectors.routes_in_voorbereiding(user),
        "alle_routes": selectors.routes_voor(user).filter(status="actief").order_by("naam", "pk"),
        "mag_starten": selectors.overeenkomsten_voor_nieuwe_route(user).exists(),
    }

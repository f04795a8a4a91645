"""Template filters for rendering a form field by name (templates/registratie/_velden.html)."""

from django import template

register = template.Library()


@register.filter
def woorden(tekst: str) -> list[str]:
    return tekst.split()


@register.filter
def veld(form, naam: str):
    """The bound field ``naam`` of ``form``; invalid fields get aria-invalid and point at their
    error text, so a screen reader reads the broken rule with the field."""
    bound = form[naam]
    if bound.errors:
        bound.field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"{bound.auto_id}_fout"})
    return bound

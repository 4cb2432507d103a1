from django import template

from relance.accounts.models import RoleChoices

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """A role in the user's language."""
    return str(dict(RoleChoices.choices).get(role, role))

"""Base viewsets: every queryset goes through the model's scope; writes go through services."""

from rest_framework import permissions, viewsets

from samenwerking import scope


class MagWijzigen(permissions.BasePermission):
    """Reading needs a login; writing needs a role that may change something (a beheerder or the
    applicatiebeheerder). A lezer or coordinator who writes gets 403, not a validation error."""

    def has_permission(self, request, view):
        # lees_acties: POST actions that only read (a search by BSN is a POST to keep it out of URLs).
        if request.method in permissions.SAFE_METHODS or getattr(view, "action", None) in getattr(
            view, "lees_acties", ()
        ):
            return True
        s = scope.scope_for(request.user)
        return s.alles or bool(s.beheer)


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and details only what the user may see; anything else answers 404."""

    permission_classes = [permissions.IsAuthenticated, MagWijzigen]

    def get_queryset(self):
        return self.queryset.for_user(self.request.user, scope.VIEW)

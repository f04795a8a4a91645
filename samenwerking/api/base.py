"""Base viewsets: every queryset goes through the model's scope; writes go through services."""

from rest_framework import viewsets

from samenwerking import scope


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """Lists and details only what the user may see; anything else answers 404."""

    def get_queryset(self):
        return self.queryset.for_user(self.request.user, scope.VIEW)

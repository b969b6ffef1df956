from django.conf import settings
from django.db import models


class RefreshTokenRotation(models.Model):
    """A refresh token that was exchanged for a new pair. Lets a second, parallel refresh with
    the same token succeed within a short grace period instead of logging the patient out,
    while a token revoked by logging out (no rotation row) stays refused."""

    old_jti = models.CharField(max_length=255, unique=True)
    new_jti = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    rotated_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.old_jti} -> {self.new_jti}"

"""The certificate table (imported into assessment.models): one valid certificate per delegate
and conference; a revoked one is kept, pointing at its replacement."""

from django.db import models
from django.db.models import Q


class Certificate(models.Model):
    conference = models.ForeignKey(
        "programme.Conference", on_delete=models.PROTECT, related_name="+"
    )
    delegate = models.ForeignKey("delegates.Delegate", on_delete=models.PROTECT, related_name="+")
    holder_name = models.CharField(max_length=200)  # as printed, kept if the delegate is renamed
    issued_on = models.DateField()
    code = models.CharField(max_length=200, unique=True)
    pdf_path = models.CharField(max_length=300, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=255, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "conference"],
                condition=Q(revoked_at__isnull=True),
                name="assessment_one_valid_certificate",
            )
        ]

    def __str__(self) -> str:
        return self.code

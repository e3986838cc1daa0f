"""Recovery codes: a django-otp device whose single-use codes are stored hashed.

django-otp's own ``StaticDevice`` keeps its codes in clear text; here each code is kept as a
salted SHA-256 digest. A code carries 60 random bits (12 characters of base 32), so a slow
hash adds nothing: finding one code from its digest and salt is a 2^59 search on average.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # base 32 without 0/O and 1/I
CODE_LENGTH = 12
CODE_COUNT = 10


def normalize_code(raw: str) -> str:
    """Upper case, without the separators people type or copy (spaces, dashes)."""
    return "".join(ch for ch in str(raw).upper() if ch not in " -\t")


def digest_code(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{normalize_code(code)}".encode()).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """One per user: the set of their unused recovery codes."""

    class Meta(Device.Meta):
        verbose_name = _("codes de secours")
        verbose_name_plural = _("codes de secours")

    def get_throttle_factor(self):
        # The same back-off as the authenticator's codes (1, 2, 4… s by default).
        return settings.OTP_TOTP_THROTTLE_FACTOR

    def replace_codes(self) -> list[str]:
        """Drop every code and make ``CODE_COUNT`` new ones; return them in clear, once."""
        codes = [new_code() for _ in range(CODE_COUNT)]
        self.codes.all().delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(device=self, **RecoveryCode.hashed(code)) for code in codes]
        )
        return codes

    def verify_token(self, token) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        candidate = normalize_code(token)
        matched = None
        if len(candidate) == CODE_LENGTH:
            with transaction.atomic():
                for code in self.codes.select_for_update().filter(used_at__isnull=True):
                    if hmac.compare_digest(code.digest, digest_code(candidate, code.salt)):
                        matched = code
                        break
                if matched is not None:
                    matched.used_at = timezone.now()
                    matched.save(update_fields=["used_at"])
        if matched is None:
            self.throttle_increment(commit=True)
            return False
        self.throttle_reset(commit=True)
        return True

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("code de secours")
        verbose_name_plural = _("codes de secours")

    def __str__(self):
        return f"{self.device_id}:{self.pk}"

    @staticmethod
    def hashed(code: str) -> dict:
        salt = secrets.token_hex(16)
        return {"salt": salt, "digest": digest_code(code, salt)}

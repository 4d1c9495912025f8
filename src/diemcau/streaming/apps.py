from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StreamingConfig(AppConfig):
    name = "diemcau.streaming"
    verbose_name = _("Live video")

from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class QuestionsConfig(AppConfig):
    name = "diemcau.questions"
    verbose_name = _("Questions")

    def ready(self) -> None:
        # The tallies and the search index are kept by triggers, which SQLite's table rebuilds
        # trip over: out of the way during migrate, back (and recounted) after it.
        from diemcau.questions import tasks  # noqa: F401 - registers the merge proposals job
        from diemcau.questions.upkeep import after_migrate, before_migrate

        pre_migrate.connect(before_migrate, sender=self, dispatch_uid="questions-upkeep-pre")
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="questions-upkeep")

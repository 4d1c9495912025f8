"""A conference's assessment settings (the rule, the quiz's draw and marks): read and saved.

Below quiz and the completion counters, which both read the rule, so neither imports the other.
"""

from diemcau.assessment.models import AssessmentSettings
from diemcau.programme.models import Conference

__all__ = ["saved_settings_for", "settings_for"]


def settings_for(conference: Conference | int) -> AssessmentSettings:
    """The conference's saved settings, or the defaults (unsaved) when none were saved.

    Reading never writes: a saved row is what opens a conference's assessment to delegates and
    makes it the default `?conference=` (access.current_conference_id), so a GET, or a request
    for a conference that does not exist, must not create one. Writers use saved_settings_for.
    """
    conference_id = conference if isinstance(conference, int) else conference.pk
    found = AssessmentSettings.objects.filter(conference_id=conference_id).first()
    return found if found is not None else AssessmentSettings(conference_id=conference_id)


def saved_settings_for(conference_id: int) -> AssessmentSettings:
    """The settings row, made with the defaults if missing: for writers, once they know the
    conference exists (a row for a missing conference breaks its foreign key)."""
    found, _created = AssessmentSettings.objects.get_or_create(conference_id=conference_id)
    return found

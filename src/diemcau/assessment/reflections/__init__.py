"""Learning reports (bài thu hoạch): written by the delegate, graded by organisers in scope.

- models.py: Reflection, ReportStatus, SentQuestion (importable from assessment.models);
- reports.py: the delegate's draft, submission and upload; reading a report in scope;
- grading.py: the graders' queue, batch assignment, second reading and settling;
- forwarding.py: an answer passed on to the questions pipeline, once;
- api.py, views.py: the graders' endpoints and pages (assembled by assessment.api/urls).

Public surface: `reflections.services`. Other sub-packages and apps import that module, never
the modules above. This file imports nothing: assessment.models imports reflections.models
while Django loads the models, and a re-export here would load services then.
"""

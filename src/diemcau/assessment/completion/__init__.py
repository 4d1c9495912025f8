"""Completion: who met the conference's rule (sessions attended, quiz passed, report graded).

- models.py: CompletionSite, the per-site counters (importable from assessment.models);
- status.py: one delegate's status; counters.py: the counters, marked stale and recounted;
- signals.py: what marks them stale (connected in AssessmentConfig.ready());
- rollup.py: the figures under a node; exporting.py: the same as XLSX; figures.py: for reports;
- api.py, views.py, urls.py: the dashboard and its API; cli.py: `diemcau completion-counters`.

Public surface: `completion.services`. Other sub-packages and apps import that module, never
the modules above. This file imports nothing: assessment.models imports completion.models
while Django loads the models, and a re-export here would load services then.
"""

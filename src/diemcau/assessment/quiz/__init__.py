"""The quiz (kiểm tra): the question bank, its XLSX import, attempts and their scoring.

- models.py: Question, QuestionKind, Attempt (importable from assessment.models, as every model);
- bank.py: the bank's listing, template and import; attempts.py: draw, save, submit, score;
- api.py, views.py: the organisers' bank endpoints and pages (assembled by assessment.api/urls).

Public surface: `quiz.services`. Other sub-packages and apps import that module, never the
modules above. This file imports nothing: assessment.models imports quiz.models while Django
loads the models, and a re-export here would load services (and other apps' models) then.
"""

"""The quiz's public surface: what the delegate's pages, other sub-packages and apps call.

Re-exports only; the rules live in attempts.py (the draw, saving, submitting, scoring) and
bank.py (the question bank and its XLSX). Modules inside quiz/ import each other directly.
"""

from diemcau.assessment.quiz.attempts import (
    ScoringKey,
    attempts_of,
    expire_if_due,
    get_attempt,
    passed,
    questions_for,
    save_answers,
    score_answers,
    scoring_keys,
    start_attempt,
    submit,
    submit_by_token,
)
from diemcau.assessment.quiz.bank import (
    BankReport,
    bank,
    import_bank,
    question_as_dict,
    write_template,
)

__all__ = [
    "BankReport",
    "ScoringKey",
    "attempts_of",
    "bank",
    "expire_if_due",
    "get_attempt",
    "import_bank",
    "passed",
    "question_as_dict",
    "questions_for",
    "save_answers",
    "score_answers",
    "scoring_keys",
    "start_attempt",
    "submit",
    "submit_by_token",
    "write_template",
]

"""Catch-up viewing (xem lại): minutes of a session's recording a delegate watched, and the rule
by which watching counts as having followed a session the delegate did not attend.

- models.py: CatchUpView (what one delegate watched of one recording), CatchUpRule (the
  organiser's percentage per conference); importable from assessment.models;
- watching.py: the played ranges the player reports, merged, capped and credited;
- rule.py: the rule, read and set; followed.py: sessions followed by recording per delegate;
- api.py: the player's report and the organiser's rule; views.py: the delegate's player page.

Public surface: `catchup.services`. This file imports nothing (see completion/__init__.py).
"""

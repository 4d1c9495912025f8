"""What the attendance app tells others: check-ins of these delegates were counted or annulled.

Sent inside the writing transaction, so a receiver's write (the completion counters mark the
delegates' sites stale) commits or rolls back with the check-ins themselves.
"""

from django.dispatch import Signal

checkins_changed = Signal()  # kwargs: delegate_ids (list[int])

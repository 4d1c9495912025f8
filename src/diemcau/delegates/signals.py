"""Events other apps may follow without the delegates app knowing them.

`delegates_changed` is sent INSIDE the transaction that added, moved or removed delegates at
some sites (an import, a delegate created or moved by hand): apps that keep per-site counts
(attendance's registered count, assessment's completion counters) update or mark them in that
same transaction, so a process killed right after the commit cannot leave them behind (it did,
when the signal was sent from an on_commit callback). A receiver that fails rolls the change
back with it.
"""

from django.dispatch import Signal

# kwargs: site_ids (list[int]) — the sites whose delegates changed.
delegates_changed = Signal()

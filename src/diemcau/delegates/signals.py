"""Events other apps may follow without the delegates app knowing them.

`delegates_changed` is sent after a commit that added or removed delegates at some sites (an
import, a delegate created by hand): apps that keep per-site counts (attendance's registered
count) recount those sites.
"""

from django.dispatch import Signal

# kwargs: site_ids (list[int]) — the sites whose delegates changed.
delegates_changed = Signal()

"""Events other apps may follow without the sites app knowing them.

`sites_moved` is sent, after the change is saved, when sites change unit (and so possibly
province): apps that repeat a site's province on their own rows (delegates) update them.
"""

from django.dispatch import Signal

# kwargs: site_ids (list[int]) — the moved sites; read their new unit and province from the DB.
sites_moved = Signal()

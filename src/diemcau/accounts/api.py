"""Who am I: lets a program or the console check its token and see its scope."""

from django.http import HttpRequest
from ninja import Router, Schema

from diemcau.accounts.scopes import scope_for

router = Router()


class MeOut(Schema):
    username: str
    roles: list[str]
    everything: bool
    units: list[str]
    sites: int
    sectors: list[str]


@router.get("", response=MeOut, summary="The signed-in user and their scope")
def me(request: HttpRequest) -> dict[str, object]:
    scope = scope_for(request.user)
    return {
        "username": request.user.get_username(),
        "roles": sorted(scope.roles),
        "everything": scope.everything,
        "units": sorted(u.code for u in scope.organiser_units + scope.viewer_units),
        "sites": len(scope.operator_site_ids),
        "sectors": sorted(scope.sectors),
    }

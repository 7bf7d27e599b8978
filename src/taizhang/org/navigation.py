from django.utils.translation import gettext_lazy as _

from taizhang.web.navigation import Menu, MenuItem, register

register(
    Menu(
        key="org",
        label=_("Organisation"),
        icon="building-community",
        order=90,
        items=(
            MenuItem(_("Units"), "org:unit_list"),
            MenuItem(_("People"), "org:person_list"),
            MenuItem(_("Responsibility areas"), "org:area_list"),
            MenuItem(_("Map of areas"), "org:area_map"),
            MenuItem(_("Memberships"), "org:membership_list", perm="org.add_membership"),
        ),
    )
)

from django.utils.translation import gettext_lazy as _

from taizhang.web.navigation import Menu, MenuItem, register

register(
    Menu(
        key="notifications",
        label=_("Messages"),
        icon="bell",
        order=80,
        items=(MenuItem(_("Notifications"), "notifications:notification_list"),),
    )
)

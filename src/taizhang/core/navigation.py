from django.utils.translation import gettext_lazy as _

from taizhang.web.navigation import Menu, MenuItem, register

register(
    Menu(
        key="core",
        label=_("Instructions"),
        icon="message-2",
        order=80,
        items=(MenuItem(_("Instructions"), "core:instruction_list"),),
    )
)

from django.utils.translation import gettext_lazy as _

from taizhang.web.navigation import Menu, MenuItem, register

register(
    Menu(
        key="ledgers",
        label=_("Spreadsheets"),
        icon="file-spreadsheet",
        order=80,
        items=(
            MenuItem(_("Import a spreadsheet"), "ledgers:importbatch_create", perm="ledgers.add_importbatch"),
            MenuItem(_("Imports"), "ledgers:importbatch_list"),
            MenuItem(_("Bulletins"), "ledgers:bulletins"),
        ),
    )
)

"""``python -m taizhang`` is the same as the ``taizhang`` command."""

from taizhang.cli import main

main()

"""World factories for core's own models."""

from __future__ import annotations

from taizhang.core import services
from taizhang.core.models import Instruction
from taizhang.core.testing.personas import World
from taizhang.core.testing.world import register


@register(Instruction)
def make_instruction(world: World, unit, marker: str) -> Instruction:
    return services.instruction_add(actor=world.users["leader"], target=unit, text=f"{marker}：请抓紧推进")

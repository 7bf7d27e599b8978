from taizhang.core.api_instructions import InstructionViewSet
from taizhang.core.routers import api_router

api_router.register("instructions", InstructionViewSet, basename="instruction")

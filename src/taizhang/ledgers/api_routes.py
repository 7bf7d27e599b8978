from taizhang.core.routers import api_router
from taizhang.ledgers import api

api_router.register("imports", api.ImportBatchViewSet, basename="importbatch")

from django.urls import path

from taizhang.core import views_instructions

app_name = "core"
urlpatterns = [path("instructions/", views_instructions.InstructionList.as_view(), name="instruction_list")]

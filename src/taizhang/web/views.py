from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taizhang.core.errors import ValidationFailed
from taizhang.org import services as org_services


class LoginView(auth_views.LoginView):
    form_class = AuthenticationForm
    redirect_authenticated_user = True
    extra_context = {"title": gettext_lazy("Log in")}


class StyledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def save(self, commit: bool = True) -> Any:  # the service sets and audits it
        return self.user


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = StyledPasswordChangeForm
    extra_context = {"title": gettext_lazy("Change password")}

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        try:
            org_services.user_set_password(
                actor=self.request.user, user=self.request.user, password=form.cleaned_data["new_password1"]
            )
        except ValidationFailed as exc:
            for msg in exc.fields.get("password", [exc.message]):
                form.add_error("new_password1", msg)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password was changed."))
        from django.shortcuts import redirect

        return redirect("dashboard:home")

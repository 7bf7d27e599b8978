"""Whatever raises, the API answers {"code", "message", "fields"}."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404
from rest_framework import exceptions

from taizhang.core.api_errors import exception_handler
from taizhang.core.errors import TransitionNotAllowed


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (ValidationError({"name": ["required"]}), 400, "invalid"),
        (Http404(), 404, "not_found"),
        (DjangoPermissionDenied(), 403, "permission_denied"),
        (TransitionNotAllowed("allowed: approve, return"), 409, "transition_not_allowed"),
        (exceptions.ValidationError({"items": [{"amount": ["bad"]}], "meta": {"page": ["too big"]}}), 400, "invalid"),
        (exceptions.ValidationError(["whole request is wrong"]), 400, "invalid"),
        (exceptions.ValidationError({"non_field_errors": ["dates overlap"]}), 400, "invalid"),
        (exceptions.Throttled(wait=30), 429, "throttled"),
        (exceptions.MethodNotAllowed("PUT"), 405, "method_not_allowed"),
        (exceptions.ParseError({"detail": "bad json"}), 400, "parse_error"),
    ],
)
def test_every_error_has_the_one_shape(exc, status, code):
    response = exception_handler(exc, {})
    assert response.status_code == status
    assert set(response.data) == {"code", "message", "fields"}
    assert response.data["code"] == code
    assert response.data["message"]


def test_nested_validation_errors_are_flattened_to_dotted_fields():
    response = exception_handler(exceptions.ValidationError({"meta": {"page": ["too big"]}}), {})
    assert response.data["fields"] == {"meta.page": ["too big"]}
    response = exception_handler(exceptions.ValidationError({"non_field_errors": ["dates overlap"]}), {})
    assert response.data["message"] == "dates overlap"


def test_throttling_says_when_to_retry():
    assert exception_handler(exceptions.Throttled(wait=30), {})["Retry-After"] == "30"


def test_unknown_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None

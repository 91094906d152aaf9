"""Who a page's request is from, for views that serve one role."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from apps.accounts.models import User


def request_student(request: HttpRequest, *, refusal: str = "Not found.") -> User:
    """The signed-in student (the view's @login_required ran first). Other roles get a 404:
    pages never reveal what exists to the wrong role."""
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    if not user.is_student:
        raise Http404(refusal)
    return user

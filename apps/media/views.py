"""Pages (picture settings, background-check documents) and the two signed-URL endpoints
that stand in for a bucket when files are stored locally."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import User
from apps.core.errors import ApplicationError, Conflict, RateLimited, ValidationFailed
from apps.core.forms import apply_application_error
from apps.media import limits
from apps.media.content import CONTENT_TYPES, EXTENSIONS
from apps.media.forms import DocumentForm, PictureForm
from apps.media.selectors import document_get, document_list, document_view_url, picture_get, upload_state_get
from apps.media.services.documents import document_submit
from apps.media.services.pictures import picture_delete, picture_upload_direct
from apps.media.services.uploads import upload_receive
from apps.media.storage import BadToken, file_exists, file_open, token_read

# Errors that describe the file and belong on the form; NotFound and PermissionDenied go to
# the error-page middleware (404/403).
FORM_ERRORS = (ValidationFailed, Conflict, RateLimited)
_TYPE_BY_EXTENSION = {extension: CONTENT_TYPES[kind] for kind, extension in EXTENSIONS.items()}
# Served files run nothing and embed nothing, whatever a browser might make of them.
FILE_CSP = "default-src 'none'; img-src 'self'; sandbox"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def picture_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PictureForm(request.POST or None, request.FILES or None)
    status, retry_after = (422 if form.is_bound else 200), None
    if form.is_valid():
        try:
            upload = picture_upload_direct(actor=user, file=form.cleaned_data["file"], now=timezone.now())
            state = upload_state_get(actor=user, upload_id=upload.pk)
        except FORM_ERRORS as exc:
            apply_application_error(form, exc)
            status, retry_after = exc.status, getattr(exc, "retry_after_seconds", None)
        else:
            if state.status != "rejected":
                done = state.status == "done"
                messages.success(request, state.message if done else "Your picture is being processed.")
                return redirect("media:picture")
            form.add_error("file", state.message)
    context = {"form": form, "picture": picture_get(user_id=user.pk)}
    response = render(request, "media/picture.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@login_required
@require_POST
def picture_remove(request: HttpRequest) -> HttpResponse:
    removed = picture_delete(actor=_user(request), now=timezone.now())
    messages.success(request, "Your picture is removed." if removed else "You have no picture.")
    return redirect("media:picture")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def documents_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_instructor:
        raise Http404("Only instructors have background-check documents.")
    form = DocumentForm(request.POST or None, request.FILES or None)
    status = 422 if form.is_bound else 200
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document_submit(
                actor=user, data=upload.read(limits.MAX_UPLOAD_BYTES + 1), filename=upload.name, now=timezone.now()
            )
        except FORM_ERRORS as exc:
            apply_application_error(form, exc)
            status = exc.status
        else:
            messages.success(request, "Thanks! We'll review your document and let you know.")
            # Back to the step itself, which now says the document is in review.
            return redirect("instructors_onboarding:verification")
    context = {"form": form, "documents": list(document_list(actor=user))}
    return render(request, "media/documents.html", context, status=status)


@login_required
@require_safe
def document_open(request: HttpRequest, document_id: int) -> HttpResponse:
    """A fresh link, bound to whoever clicked, so pages never carry one that could leak."""
    user = _user(request)
    document = document_get(actor=user, document_id=document_id)
    return redirect(document_view_url(actor=user, document=document, now=timezone.now()).url)


@require_safe
def file_view(request: HttpRequest, token: str) -> FileResponse:
    """Serve a private file to whoever holds a valid token (and is its viewer, if bound)."""
    now = timezone.now()
    viewer_id = request.user.pk if request.user.is_authenticated else None
    try:
        grant = token_read(purpose="view", token=token, now=now, viewer_id=viewer_id)
    except BadToken as exc:
        raise Http404("This link is invalid or has expired.") from exc
    extension = grant.key.rsplit(".", 1)[-1]
    if extension not in _TYPE_BY_EXTENSION or not file_exists(grant.key):
        raise Http404("This file no longer exists.")
    is_pdf = extension == "pdf"
    response = FileResponse(
        file_open(grant.key),
        content_type=_TYPE_BY_EXTENSION[extension],
        as_attachment=is_pdf,
        filename=f"background-check.{extension}" if grant.viewer_bound else "",
    )
    # Keys never change content, so a picture may be cached until its link expires; a
    # viewer-bound document never is.
    seconds = max(0, int((grant.expires_at - now).total_seconds()))
    response["Cache-Control"] = "private, no-store" if grant.viewer_bound else f"private, max-age={seconds}, immutable"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _json_error(exc: ApplicationError) -> JsonResponse:
    body = {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
    return JsonResponse(body, status=exc.status)


@csrf_exempt  # authorized by the signed token in the URL, like a presigned S3 PUT
@require_http_methods(["PUT"])
def upload_view(request: HttpRequest, token: str) -> HttpResponse:
    raw_length = request.META.get("CONTENT_LENGTH") or ""
    length = int(raw_length) if raw_length.isdigit() else None
    try:
        upload_receive(token=token, body=request, length=length, now=timezone.now())
    except ApplicationError as exc:
        return _json_error(exc)
    return HttpResponse(status=204)

"""Account pages: API tokens (create shows the secret once; revoke)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from jishi.accounts.models import ApiToken
from jishi.accounts.services import token_create, token_revoke


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    secret = None
    error = None
    if request.method == "POST":
        try:
            _, secret = token_create(person=request.user, name=request.POST.get("name", ""))
        except ValidationError as exc:
            error = "；".join(exc.messages)
    return render(
        request,
        "accounts/tokens.html",
        {
            "tokens": ApiToken.objects.filter(person=request.user),
            "secret": secret,
            "error": error,
        },
    )


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, person=request.user)
    token_revoke(actor=request.user, token=token)
    messages.success(request, f"令牌“{token.name}”已撤销。")
    return redirect("accounts:tokens")

"""留言 pages: the public form (/public/messages/new?record=<id> or ?unit=<id>, no JavaScript needed) and the unit's
moderation inbox (/public/inbox/, signed in: the portal's publishers of the unit). Views parse, call
portal.feedback, and render; a message someone does not moderate is a 404, as for one that does not exist."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jishi.core import throttling
from jishi.core.http import int_or_none
from jishi.org.http import AuthedRequest
from jishi.portal import feedback
from jishi.portal.models import Answer, Message, MessageStatus
from jishi.portal.views import not_found


class MessageForm(forms.Form):
    """The citizen's form. The service checks lengths and links (one set of Chinese messages); the form only
    carries the fields — and refuses NUL characters, as every Django text field does."""

    text = forms.CharField(
        label=gettext_lazy("留言内容"),
        required=False,
        help_text=format_lazy(
            gettext_lazy("{min}–{max} 个字，不能包含网址链接。"), min=feedback.TEXT_MIN, max=feedback.TEXT_MAX
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    name = forms.CharField(
        label=gettext_lazy("称呼（可不填）"),
        required=False,
        help_text=gettext_lazy("公开显示；不填则显示为“网友”。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact = forms.CharField(
        label=gettext_lazy("联系方式（可不填）"),
        required=False,
        help_text=gettext_lazy("电话或邮箱，仅供本单位联系您，不会公开。"),
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    # The honeypot: hidden from people (and from screen readers), filled in by scripts that fill in every field.
    website = forms.CharField(
        label=gettext_lazy("请勿填写"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class ModerationForm(forms.Form):
    """A moderator's decision; the service checks it (one set of messages for every caller)."""

    decision = forms.ChoiceField(
        label=gettext_lazy("审核决定"),
        choices=[(status.value, status.label) for status in feedback.DECISIONS],
        widget=forms.RadioSelect,
        required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("理由"),
        required=False,
        help_text=gettext_lazy("不予公开或标为垃圾留言时必填；不公开。"),
    )


class AnswerForm(forms.Form):
    """The unit's public answer."""

    text = forms.CharField(
        label=gettext_lazy("答复内容（公开）"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


def _target(request: HttpRequest) -> feedback.Target:
    """The message's target from ?record= or ?unit= (a live publication or an open unit); anything else is a 404."""
    record_id = int_or_none(request.GET.get("record"))
    unit_id = None if record_id is not None else int_or_none(request.GET.get("unit"))
    return feedback.target_for(record_id=record_id, unit_id=unit_id)


def _query(target: feedback.Target, **extra: str) -> str:
    if target.publication is not None:
        return urlencode({"record": target.publication.record_id, **extra})
    return urlencode({"unit": target.unit.pk, **extra})


def _back_url(target: feedback.Target) -> str | None:
    """The public page the message is about (P-pages' URL names; none until those pages exist)."""
    try:
        if target.publication is not None:
            return reverse("portal:record", args=[target.publication.record_id])
        return reverse("portal:unit", args=[target.unit.pk])
    except NoReverseMatch:
        return None


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """The service's field-keyed reasons onto the form (non-field ones at the top)."""
    for field, reasons in error.message_dict.items():
        form.add_error(None if field == NON_FIELD_ERRORS or field not in form.fields else field, reasons)


@never_cache
def message_new(request: HttpRequest) -> HttpResponse:
    """The public form: GET draws it with a fresh form-time token; POST submits (refusals keep what was written)."""
    try:
        target = _target(request)
    except Http404:
        return not_found(request)  # the portal's own 404 page, as for a record that is not live
    status = 200
    wait: int | None = None
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                feedback.message_submit(
                    target=target,
                    text=data["text"],
                    name=data["name"],
                    contact=data["contact"],
                    token=request.POST.get("token", ""),
                    honeypot=data["website"],
                    address=throttling.client_address(request),
                )
            except feedback.SubmissionLimited as limited:
                _add_errors(form, limited)
                status, wait = 429, limited.wait
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return redirect(f"{reverse('portal:message_new')}?{_query(target, sent='1')}")
        status = 429 if wait is not None else 200
    elif request.method in ("GET", "HEAD"):
        form = MessageForm()
    else:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    context: dict[str, Any] = {
        "form": form,
        "target": target,
        "publication": target.publication,
        "unit": target.unit,
        "token": feedback.form_token(target),
        "action": f"{reverse('portal:message_new')}?{_query(target)}",
        "sent": request.method == "GET" and request.GET.get("sent") == "1",
        "back_url": _back_url(target),
        "text_max": feedback.TEXT_MAX,
        "name_max": feedback.NAME_MAX,
        "contact_max": feedback.CONTACT_MAX,
    }
    # In the portal's own frame (a Jinja2 template, like every public page): no staff header, no script.
    response = render(request, "portal/feedback_new.html", context, status=status, using="jinja2")
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response


INBOX_PAGE = 50
INBOX_TABS = [
    ("pending", gettext_lazy("待审核")),
    ("unanswered", gettext_lazy("待答复")),
    ("answered", gettext_lazy("已答复")),
    ("rejected", gettext_lazy("未公开")),
]


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    """The unit's 留言 inbox: pending messages first; approved to answer; answered; rejected and spam."""
    if not feedback.may_moderate_any(request.user):
        raise Http404
    view = request.GET.get("view", "pending")
    if view not in feedback.INBOX_VIEWS:
        view = "pending"
    page = int_or_none(request.GET.get("page")) or 1
    page = min(page, 10_000)  # no deeper than any inbox goes; an offset past it is an empty page, not an error
    start = (page - 1) * INBOX_PAGE
    # One more than a page tells whether there is a next one, without counting.
    shown = list(feedback.inbox_messages(person=request.user, view=view)[start : start + INBOX_PAGE + 1])
    context = {
        "tabs": INBOX_TABS,
        "view": view,
        "counts": feedback.inbox_counts(person=request.user),
        "inbox_messages": shown[:INBOX_PAGE],
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if len(shown) > INBOX_PAGE else None,
    }
    return render(request, "portal/feedback_inbox.html", context)


def _moderated_message(request: AuthedRequest, pk: int) -> Message:
    message = get_object_or_404(Message.objects.select_related("unit", "publication"), pk=pk)
    if not feedback.may_moderate(request.user, message.unit):
        raise Http404
    return message


def _message_page(
    request: AuthedRequest,
    message: Message,
    *,
    moderation: ModerationForm | None = None,
    answer: AnswerForm | None = None,
) -> HttpResponse:
    message = feedback.inbox_message(person=request.user, pk=message.pk)
    answers: list[Answer] = getattr(message, "answer_list", [])  # set by the selector, newest first
    latest = answers[0] if answers else None
    context = {
        "message": message,
        "moderation_form": moderation or ModerationForm(initial={"decision": MessageStatus.APPROVED}),
        "answer_form": answer or AnswerForm(initial={"text": latest.text if latest else ""}),
        "may_answer": message.status == MessageStatus.APPROVED,
        "latest_answer": latest,
    }
    return render(request, "portal/feedback_message.html", context)


@login_required
def inbox_message(request: AuthedRequest, pk: int) -> HttpResponse:
    """One message for its moderators: the text, sender's name and contact, the decisions so far, the answers."""
    return _message_page(request, _moderated_message(request, pk))


@login_required
@require_POST
def inbox_moderate(request: AuthedRequest, pk: int) -> HttpResponse:
    """Approve, reject or mark spam, with a reason."""
    message = _moderated_message(request, pk)
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            feedback.moderate(
                actor=request.user,
                message=message,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
    if form.errors:
        return _message_page(request, message, moderation=form)
    messages.success(request, _("已记录审核决定。"))
    return redirect(reverse("portal:inbox_message", args=[message.pk]))


@login_required
@require_POST
def inbox_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    """Publish the unit's answer to an approved message."""
    message = _moderated_message(request, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            feedback.answer(actor=request.user, message=message, text=form.cleaned_data["text"])
        except ValidationError as error:
            _add_errors(form, error)
    if form.errors:
        return _message_page(request, message, answer=form)
    messages.success(request, _("答复已公开。"))
    return redirect(reverse("portal:inbox_message", args=[message.pk]))

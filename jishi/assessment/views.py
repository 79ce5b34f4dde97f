"""考核 pages: the person's assessments, the assessor's people with the 优秀 quota, HR's periods and unit sheets, one
assessment with its evidence and history, the summary, the 公示 list and the dossier.

Each view parses, asks the rules (through selectors: a hidden assessment is a 404, the same as a missing one), calls a
service, and renders. Forms keep what the person typed when a service refuses, with its Chinese message beside the
field. A decision taken from a list answers htmx with the row and the group's quota bar (out of band), so the count
against the limit moves as the assessor decides, and a refusal past the limit shows the service's message in the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jishi.assessment import quota, rules, selectors, services
from jishi.assessment.evidence import evidence_for
from jishi.assessment.forms import (
    AddPersonForm,
    GradeForm,
    NoticeForm,
    PeriodForm,
    QuotaRaiseForm,
    SummaryForm,
    TextForm,
)
from jishi.assessment.models import (
    Assessment,
    Period,
    PeriodKind,
    ProbationerMode,
    QuotaRaise,
    RankGroup,
    Standard,
    State,
    Step,
    StepKind,
)
from jishi.assessment.standards import standard_for
from jishi.org.http import AuthedRequest
from jishi.org.models import Person, Unit
from jishi.org.rules import reader_for

# The steps a page offers (StepKind values in the URL), with the service each calls; 个人总结 has a page of its own.
GRADE_STEPS = (StepKind.PROPOSAL, StepKind.DECISION, StepKind.REVIEW_DECISION, StepKind.APPEAL_DECISION)
TEXT_STEPS = (StepKind.ACKNOWLEDGEMENT, StepKind.REVIEW_REQUEST, StepKind.APPEAL)
TEXT_LABELS: dict[str, Any] = {
    StepKind.ACKNOWLEDGEMENT: gettext_lazy("本人意见（如“同意”）"),
    StepKind.REVIEW_REQUEST: gettext_lazy("申请复核的理由（必填）"),
    StepKind.APPEAL: gettext_lazy("申诉的理由（必填）"),
}
DONE: dict[str, Any] = {
    StepKind.PROPOSAL: gettext_lazy("已提出建议等次。"),
    StepKind.DECISION: gettext_lazy("已确定等次。"),
    StepKind.REVIEW_DECISION: gettext_lazy("已作出复核决定。"),
    StepKind.APPEAL_DECISION: gettext_lazy("已作出申诉处理决定。"),
    StepKind.ACKNOWLEDGEMENT: gettext_lazy("已签署意见。"),
    StepKind.REVIEW_REQUEST: gettext_lazy("已申请复核。"),
    StepKind.APPEAL: gettext_lazy("已提出申诉。"),
}
LIST_LIMIT = 200  # people in one list of the home page; a unit sheet shows its whole unit


# --- shared pieces -------------------------------------------------------------------------------------------------


class Standards:
    """The standard of each (period, category, rank group) — the period's frozen one — looked up once per request, and
    the grade forms it implies."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str, str], Standard] = {}

    def of(self, assessment: Assessment) -> Standard:
        key = (assessment.period_id, assessment.category, assessment.rank_group)
        if key not in self._cache:
            self._cache[key] = standard_for(assessment)
        return self._cache[key]

    def grade_form(self, assessment: Assessment, data: Any = None, *, in_row: bool = False) -> GradeForm:
        """The grade form on the assessment's scale; in a list its ids carry the assessment's (several on a page)."""
        standard = self.of(assessment)
        comment_only = assessment.is_probationer and standard.probationer_mode == ProbationerMode.COMMENT_ONLY
        auto_id = f"a{assessment.pk}-%s" if in_row else "id_%s"
        grades = standard.grades_for(assessment.period.kind)
        return GradeForm(data, grades=grades, comment_only=comment_only, auto_id=auto_id)


def _text_form(kind: str, data: Any = None) -> TextForm:
    return TextForm(data, label=TEXT_LABELS[kind])


@dataclass
class QuotaBar:
    """The limited grade's count in one unit and rank group against its limit, as the bar shows it."""

    period: Period
    unit: Unit
    rank_group: str
    status: quota.QuotaStatus

    @property
    def dom_id(self) -> str:
        return f"quota-{self.period.pk}-{self.unit.pk}-{self.rank_group}"

    @property
    def rank_group_label(self) -> str:
        return _group_label(self.rank_group)

    @property
    def full(self) -> bool:
        return self.status.used >= self.status.limit


def _group_label(rank_group: str) -> str:
    return str(RankGroup(rank_group).label) if rank_group in RankGroup.values else rank_group


def _bar(period: Period, unit: Unit, rank_group: str, status: quota.QuotaStatus | None = None) -> QuotaBar | None:
    """The quota bar of a unit's rank group, or None when the period's scale limits no grade."""
    status = status or quota.status(period, unit.pk, rank_group)
    return QuotaBar(period, unit, rank_group, status) if status.limited else None


@dataclass
class Row:
    """One person in a list, with the decision form when the reader decides now."""

    assessment: Assessment
    proposal: Step | None
    form: GradeForm | None
    error: str = ""


@dataclass
class Group:
    """The people of one period, unit and rank group, with their quota bar."""

    period: Period
    unit: Unit
    rank_group: str
    bar: QuotaBar | None
    rows: list[Row] = field(default_factory=list)

    @property
    def rank_group_label(self) -> str:
        return _group_label(self.rank_group)


def _latest_proposals(assessments: list[Assessment]) -> dict[int, Step]:
    latest: dict[int, Step] = {}
    steps = Step.objects.filter(assessment__in=assessments, kind=StepKind.PROPOSAL).order_by("created_at", "id")
    for step in steps:
        latest[step.assessment_id] = step
    return latest


def _groups(
    user: Person,
    assessments: list[Assessment],
    standards: Standards,
    *,
    proposals: dict[int, Step] | None = None,
    statuses: dict[str, quota.QuotaStatus] | None = None,
) -> list[Group]:
    """Assessments by period, unit and rank group, each group with its bar and each row its decision form."""
    _with_state(assessments)
    if proposals is None:
        proposals = _latest_proposals(assessments)
    groups: dict[tuple[int, int, str], Group] = {}
    decides_unit: dict[int, bool] = {}  # the rule asks once per unit, not once per row
    reader = reader_for(user)
    deciding_states = services.TRANSITIONS[StepKind.DECISION][0]
    for a in assessments:
        key = (a.period_id, a.unit_id, a.rank_group)
        if key not in groups:
            status = statuses.get(a.rank_group) if statuses else None
            groups[key] = Group(a.period, a.unit, a.rank_group, _bar(a.period, a.unit, a.rank_group, status))
        if a.unit_id not in decides_unit:
            decides_unit[a.unit_id] = rules.can_decide_unit(user, a.unit_id)
        form = None
        # the same test as rules.can_decide and selectors.actions_for, without their queries per row
        if decides_unit[a.unit_id] and a.person_id != reader.person_id and a.state in deciding_states:
            form = standards.grade_form(a, in_row=True)
            if a.pk in proposals:
                form.initial = {"grade": a.grade or proposals[a.pk].grade}
        groups[key].rows.append(Row(a, proposals.get(a.pk), form))
    return list(groups.values())


# --- home ----------------------------------------------------------------------------------------------------------


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """考核: the person's own assessments and next steps; for an assessor the people to propose for and decide, by
    unit and rank group with the quota bar; for HR the periods (open one) and each unit's progress."""
    user = request.user
    own = []
    for a in _with_state(list(selectors.own_assessments(user)[:12])):
        own.append({"assessment": a, "actions": selectors.actions_for(user, a)})
    hr = rules.hr_scope(user)
    standards = Standards()
    context: dict[str, Any] = {"own": own, "is_hr": bool(hr), "notices": selectors.notices_for(user)}
    if not hr.all_units:  # HR over the whole jurisdiction works from the unit sheets, not one list of everyone
        to_decide = list(selectors.to_decide(user).filter(period__closed_at__isnull=True)[:LIST_LIMIT])
        decided_ids = {a.pk for a in to_decide}
        to_propose = [
            a
            for a in selectors.to_propose(user).filter(period__closed_at__isnull=True)[:LIST_LIMIT]
            if a.pk not in decided_ids
        ]
        context["decide_groups"] = _groups(user, _with_unit(to_decide), standards)
        context["propose"] = _with_state(to_propose)
    if hr:
        context["periods"] = [{"period": p, "units": _progress(user, p)} for p in selectors.periods_for(user)[:6]]
        context["may_open"] = rules.can_open_period(user)
    return render(request, "assessment/home.html", context)


def _with_state(assessments: list[Assessment]) -> list[Assessment]:
    """Each assessment with `current_state` (a State): a 公示 whose last day has passed reads as 已完成 before the
    nightly write catches up."""
    for a in assessments:
        a.current_state = State(services.effective_state(a))  # type: ignore[attr-defined]
    return assessments


def _with_unit(assessments: list[Assessment]) -> list[Assessment]:
    """The assessing units of a list, fetched once (the selectors load the section, not the unit)."""
    units = Unit.objects.in_bulk({a.unit_id for a in assessments})
    for a in assessments:
        a.unit = units[a.unit_id]
    return assessments


def _progress(user: Person, period: Period) -> list[dict[str, Any]]:
    """How far each assessing unit in the reader's scope has got in a period."""
    after_decision = [State.DECIDED, State.NOTICED, State.FINAL, State.REVIEW, State.APPEAL]
    return list(
        Assessment.objects.visible_to(user)
        .filter(period=period)
        .values("unit_id", "unit__name")
        .annotate(
            total=Count("pk"),
            submitted=Count("pk", filter=~Q(state=State.OPEN)),
            decided=Count("pk", filter=Q(state__in=after_decision)),
            noticed=Count("pk", filter=Q(noticed_from__isnull=False)),
            cases=Count("pk", filter=Q(state__in=[State.REVIEW, State.APPEAL])),
        )
        .order_by("unit__path")
    )


# --- one assessment ------------------------------------------------------------------------------------------------


def _detail_context(user: Person, assessment: Assessment, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    standards = Standards()
    actions = selectors.actions_for(user, assessment)
    forms: dict[str, Any] = {}
    for kind in (*GRADE_STEPS, *TEXT_STEPS):
        if kind not in actions:
            continue
        if bound and kind in bound:
            forms[kind] = bound[kind]
        elif kind in GRADE_STEPS:
            forms[kind] = standards.grade_form(assessment)
        else:
            forms[kind] = _text_form(kind)
    for kind in (StepKind.REVIEW_DECISION, StepKind.APPEAL_DECISION):  # the grade may stay: offer the current one
        if kind in forms and not forms[kind].is_bound:
            forms[kind].initial = {"grade": assessment.grade}
    steps = selectors.steps_of(assessment)
    # what a 复核 or 申诉 decision answers: the person's latest request, quoted beside the form
    asked = {StepKind.REVIEW_DECISION: StepKind.REVIEW_REQUEST, StepKind.APPEAL_DECISION: StepKind.APPEAL}
    requests = {kind: next((s for s in reversed(steps) if s.kind == asked[kind]), None) for kind in asked}
    decision = forms.get(StepKind.DECISION)
    if decision is not None and not decision.is_bound:
        proposal = _latest_proposals([assessment]).get(assessment.pk)
        if proposal:
            decision.initial = {"grade": proposal.grade}
    deciding = bool({StepKind.PROPOSAL, StepKind.DECISION, StepKind.REVIEW_DECISION} & actions)
    # A step the reader may not take now (or no longer) has no form to show its refusal beside: it goes on top.
    refusals = [
        str(message)
        for kind, form in (bound or {}).items()
        if kind not in forms
        for errors in form.errors.values()
        for message in errors
    ]
    return {
        "assessment": assessment,
        "state": State(services.effective_state(assessment)),
        "summary": selectors.latest_summary(assessment),
        "steps": steps,
        "requests": requests,
        "forms": forms,
        "refusals": refusals,
        "may_write_summary": StepKind.SUMMARY in actions,
        "evidence": evidence_for(user=user, assessment=assessment, standard=standards.of(assessment)),
        "bar": _bar(assessment.period, assessment.unit, assessment.rank_group) if deciding else None,
        "is_person": rules.is_person(user, assessment),
        "may_see_unit": rules.can_see_unit_sheet(user, assessment.unit_id),
        "marks_probationer": assessment.state in (State.OPEN, State.SUBMITTED)
        and rules.can_decide_appeal(user, assessment),
        "review_by": services.review_deadline(assessment) if StepKind.REVIEW_REQUEST in actions else None,
        "appeal_by": services.appeal_deadline(assessment) if StepKind.APPEAL in actions else None,
    }


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One assessment: the summary, the evidence pack beside it, the history of steps, the form of each step the
    reader may take now."""
    assessment = selectors.assessment_for(request.user, pk)
    return render(request, "assessment/detail.html", _detail_context(request.user, assessment))


@login_required
@require_POST
def probationer(request: AuthedRequest, pk: int) -> HttpResponse:
    """HR marks (or unmarks) the person as in 试用期 before any grade is proposed (then only a comment, if the
    standard says so)."""
    assessment = selectors.assessment_for(request.user, pk)
    if not rules.can_decide_appeal(request.user, assessment):
        raise Http404(_("没有找到该考核，或您无权查看。"))
    try:
        services.probationer_set(
            actor=request.user, assessment=assessment, is_probationer=request.POST.get("is_probationer") == "1"
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已更新试用期标记。"))
    return redirect("assessment:detail", pk=pk)


@login_required
def printable(request: AuthedRequest, pk: int) -> HttpResponse:
    """打印页 of one assessment: the summary, grade, every step with its reason, the 公示, the signed opinion and the
    evidence, laid out for paper."""
    from jishi.assessment.exports import printable_page  # A-evidence's module, built alongside these pages

    data = printable_page(user=request.user, pk=pk)  # a 404 when hidden or missing
    return render(request, "assessment/print.html", {"page": data, "evidence": data.evidence})


def _safe_next(request: AuthedRequest) -> str | None:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def _run(kind: str, user: Person, assessment: Assessment, data: dict[str, Any]) -> Any:
    """Call the service of one step (it checks who, when and what again)."""
    if kind in GRADE_STEPS:
        by_kind: dict[str, Any] = {
            StepKind.PROPOSAL: services.grade_propose,
            StepKind.DECISION: services.grade_decide,
            StepKind.REVIEW_DECISION: services.review_decide,
            StepKind.APPEAL_DECISION: services.appeal_decide,
        }
        service = by_kind[kind]
        return service(actor=user, assessment=assessment, grade=data["grade"], reason=data["reason"])
    if kind == StepKind.ACKNOWLEDGEMENT:
        return services.acknowledge(person=user, assessment=assessment, text=data["text"])
    if kind == StepKind.REVIEW_REQUEST:
        return services.review_request(person=user, assessment=assessment, reason=data["text"])
    return services.appeal_file(person=user, assessment=assessment, reason=data["text"])


@login_required
@require_POST
def act(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    """Take one step on an assessment: 建议等次, 确定等次, 复核决定, 申诉决定 (grade and reason), 签署意见, 申请复核,
    申诉 (text).

    From a list by htmx (`row=1`): the row again — its form as typed with the service's message when refused — and
    the quota bar out of band. Otherwise a redirect on success, or the assessment page with the form as typed."""
    if kind not in GRADE_STEPS and kind not in TEXT_STEPS:
        raise Http404(_("没有这种操作。"))
    user = request.user
    assessment = selectors.assessment_for(user, pk)
    standards = Standards()
    from_row = bool(request.htmx) and request.POST.get("row") == "1"
    form: Any = (
        standards.grade_form(assessment, request.POST, in_row=from_row)
        if kind in GRADE_STEPS
        else _text_form(kind, request.POST)
    )
    if form.is_valid():
        try:
            _run(kind, user, assessment, form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您不能对这项考核进行此操作。"))
    if from_row:
        return _row_response(request, pk, standards, form if form.errors else None)
    if not form.errors:
        messages.success(request, str(DONE[kind]))
        return redirect(_safe_next(request) or reverse("assessment:detail", args=[pk]))
    context = _detail_context(user, assessment, bound={kind: form})
    return render(request, "assessment/detail.html", context, status=400)


def _row_response(request: AuthedRequest, pk: int, standards: Standards, refused: GradeForm | None) -> HttpResponse:
    """A list row after a decision (the refused form as typed, with its message) and the quota bar, out of band."""
    assessment = selectors.assessment_for(request.user, pk)  # again: the state and grade the service left
    group = _groups(request.user, _with_unit([assessment]), standards)[0]
    row = group.rows[0]
    if refused is not None:
        row.form = refused
        row.error = " ".join(str(m) for errors in refused.errors.values() for m in errors)
    context = {"row": row, "bar": group.bar, "oob": True, "next": request.POST.get("next", "")}
    return render(request, "assessment/_row_response.html", context)


# --- the summary ---------------------------------------------------------------------------------------------------


@login_required
def summary(request: AuthedRequest, pk: int) -> HttpResponse:
    """个人总结: a draft built from the person's own records of the period, editable; each submission is a version."""
    assessment = selectors.assessment_for(request.user, pk)
    if not rules.is_person(request.user, assessment):
        raise Http404(_("只有本人可以撰写个人总结。"))
    latest = selectors.latest_summary(assessment)
    editable = StepKind.SUMMARY in selectors.actions_for(request.user, assessment)
    status = 200
    if request.method == "POST":
        form = SummaryForm(request.POST)
        if form.is_valid():
            try:
                services.summary_submit(person=request.user, assessment=assessment, body=form.cleaned_data["body"])
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("个人总结已提交。"))
                return redirect("assessment:detail", pk=pk)
        status = 400
    else:
        body = latest.body if latest else services.summary_draft(person=request.user, assessment=assessment)
        form = SummaryForm(initial={"body": body})
    context = {"assessment": assessment, "form": form, "latest": latest, "editable": editable}
    return render(request, "assessment/summary.html", context, status=status)


# --- the dossier ---------------------------------------------------------------------------------------------------


@login_required
def dossier(request: AuthedRequest, person_id: int) -> HttpResponse:
    """干部实绩档案: one person's assessments across periods and years, with a print layout."""
    from jishi.assessment.dossier import dossier_for  # A-evidence's module, built alongside these pages

    data = dossier_for(user=request.user, person=person_id)  # a 404 when the reader may see none of it
    return render(request, "assessment/dossier.html", {"person": data.person, "dossier": data})


# --- HR: periods ---------------------------------------------------------------------------------------------------


@login_required
def period_new(request: AuthedRequest) -> HttpResponse:
    """开启考核周期 (HR over the whole jurisdiction)."""
    if not rules.can_open_period(request.user):
        raise Http404(_("只有组织人事部门可以开启考核周期。"))
    form = PeriodForm(request.POST or None, kinds=list(PeriodKind.choices))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                opened = services.period_open(
                    actor=request.user,
                    kind=data["kind"],
                    start=data["start"],
                    end=data["end"],
                    name=data["name"] or None,
                    summary_due=data["summary_due"],
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                count = opened.assessments.count()
                messages.success(request, _("已开启“%(name)s”，%(n)d 人参加考核。") % {"name": opened.name, "n": count})
                return redirect("assessment:period", pk=opened.pk)
        status = 400
    return render(request, "assessment/period_new.html", {"form": form}, status=status)


@login_required
def period(request: AuthedRequest, pk: int, add_form: AddPersonForm | None = None) -> HttpResponse:
    """A period: each assessing unit in the reader's scope and how far it has got; the approved quota raises."""
    the_period = selectors.period_for(request.user, pk)
    units = [u for u in _progress(request.user, the_period) if rules.can_see_unit_sheet(request.user, u["unit_id"])]
    if not units and not rules.hr_scope(request.user):  # a person's own assessment is on their page, not here
        raise Http404(_("没有找到该考核周期，或您无权查看。"))
    raises = [
        r
        for r in QuotaRaise.objects.filter(period=the_period).select_related("unit", "approved_by")
        if rules.can_see_unit_sheet(request.user, r.unit_id)
    ]
    context = {
        "period": the_period,
        "units": units,
        "raises": raises,
        "may_close": rules.can_open_period(request.user),
        "add_form": add_form or AddPersonForm(),
        "may_add": bool(rules.hr_scope(request.user)) and the_period.closed_at is None,
    }
    return render(request, "assessment/period.html", context, status=400 if add_form else 200)


@login_required
@require_POST
def period_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """增加被考核人 (HR in scope): someone the period left out, with a post on its last day."""
    if not rules.hr_scope(request.user):
        raise Http404(_("没有找到该考核周期，或您无权查看。"))
    the_period = selectors.period_for(request.user, pk)
    form = AddPersonForm(request.POST)
    if form.is_valid():
        try:
            added = services.assessment_add(
                actor=request.user,
                period=the_period,
                person=form.cleaned_data["person"],
                is_probationer=form.cleaned_data["is_probationer"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error("person", str(exc) or _("该人员不在您的范围内。"))
        else:
            messages.success(request, _("已增加被考核人：%(name)s。") % {"name": added.person.full_name})
            return redirect("assessment:detail", pk=added.pk)
    return period(request, pk, add_form=form)


@login_required
@require_POST
def period_close(request: AuthedRequest, pk: int) -> HttpResponse:
    """结束考核周期 (HR over the whole jurisdiction): no new steps but the 复核 and 申诉 already under way."""
    if not rules.can_open_period(request.user):
        raise Http404(_("没有找到该考核周期，或您无权查看。"))
    the_period = selectors.period_for(request.user, pk)
    try:
        services.period_close(actor=request.user, period=the_period)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("考核周期已结束。"))
    return redirect("assessment:period", pk=pk)


# --- the unit sheet and its 公示 -----------------------------------------------------------------------------------


def _unit(user: Person, period_id: int, unit_id: int) -> tuple[Period, Unit]:
    """The period and assessing unit of a sheet the reader may see; a 404 otherwise."""
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not rules.can_see_unit_sheet(user, unit.pk):
        raise Http404(_("没有找到该单位的考核，或您无权查看。"))
    the_period = Period.objects.filter(pk=period_id).first()
    if the_period is None or not Assessment.objects.filter(period=the_period, unit=unit).exists():
        raise Http404(_("没有找到该单位的考核，或您无权查看。"))
    return the_period, unit


def _sheet_context(user: Person, the_period: Period, unit: Unit, **forms: Any) -> dict[str, Any]:
    sheet = selectors.unit_sheet(user, the_period, unit)
    for row in sheet.rows:
        row.unit = unit
    rows = sorted(sheet.rows, key=lambda a: (a.rank_group != RankGroup.DIVISION, a.rank_group, a.section.path))
    groups = _groups(user, rows, Standards(), proposals=sheet.proposals, statuses=sheet.quotas)
    # a raise changes the share of a limited grade: nothing to raise where the period's scale limits none
    may_raise = rules.can_raise_quota(user, unit.pk) and any(group.bar for group in groups)
    return {
        "period": the_period,
        "unit": unit,
        "sheet": sheet,
        "groups": groups,
        "may_raise": may_raise,
        "notice_form": forms.get("notice_form") or NoticeForm(),
        "raise_form": forms.get("raise_form") or QuotaRaiseForm(groups=list(RankGroup.choices)),
        "noticed": next((a for a in rows if a.noticed_from), None),
    }


@login_required
def unit_sheet(request: AuthedRequest, pk: int, unit_id: int) -> HttpResponse:
    """The unit sheet: its people by rank group, proposed and decided grades, the quota, 公示 and the export."""
    the_period, unit = _unit(request.user, pk, unit_id)
    return render(request, "assessment/unit.html", _sheet_context(request.user, the_period, unit))


@login_required
@require_POST
def notice_start(request: AuthedRequest, pk: int, unit_id: int) -> HttpResponse:
    """开始公示 of the unit's decided grades."""
    the_period, unit = _unit(request.user, pk, unit_id)
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            services.notice_start(actor=request.user, period=the_period, unit=unit, start=form.cleaned_data["start"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您不能为这个单位开始公示。"))
    if not form.errors:
        messages.success(request, _("公示已开始。"))
        return redirect("assessment:unit", pk=pk, unit_id=unit_id)
    context = _sheet_context(request.user, the_period, unit, notice_form=form)
    return render(request, "assessment/unit.html", context, status=400)


@login_required
@require_POST
def quota_raise(request: AuthedRequest, pk: int, unit_id: int) -> HttpResponse:
    """提高优秀比例 for the unit and a rank group, with the approval on record (HR in scope)."""
    the_period, unit = _unit(request.user, pk, unit_id)
    form = QuotaRaiseForm(request.POST, groups=list(RankGroup.choices))
    if form.is_valid():
        try:
            services.quota_raise(
                actor=request.user,
                period=the_period,
                unit=unit,
                rank_group=form.cleaned_data["rank_group"],
                share=form.share(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("只有组织人事部门可以调整优秀比例。"))
    if not form.errors:
        messages.success(request, _("已调整优秀比例。"))
        return redirect("assessment:unit", pk=pk, unit_id=unit_id)
    context = _sheet_context(request.user, the_period, unit, raise_form=form)
    return render(request, "assessment/unit.html", context, status=400)


@login_required
def unit_notice(request: AuthedRequest, pk: int, unit_id: int) -> HttpResponse:
    """公示: the unit's results as its staff see them while the notice runs (per the standard; never reasons)."""
    the_period = Period.objects.filter(pk=pk).first()
    unit = Unit.objects.filter(pk=unit_id).first()
    if the_period is None or unit is None:
        raise Http404(_("没有找到该公示，或您无权查看。"))
    notice = selectors.notice_for_unit(request.user, the_period, unit)
    return render(request, "assessment/notice.html", {"period": the_period, "unit": unit, "notice": notice})


@login_required
def unit_export(request: AuthedRequest, pk: int, unit_id: int) -> HttpResponse:
    """The unit's roll as an Excel file (its deciders and HR)."""
    from jishi.assessment.exports import unit_roll_xlsx  # A-evidence's module, built alongside these pages

    the_period, unit = _unit(request.user, pk, unit_id)
    if not rules.can_decide_unit(request.user, unit.pk):
        raise Http404(_("没有找到该单位的考核，或您无权查看。"))
    filename, content = unit_roll_xlsx(user=request.user, period=the_period, unit=unit)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    return response

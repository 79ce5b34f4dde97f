"""A notification's line in the reader's language, at display time.

The stored line is Chinese (it goes into email, and the apps that notify write it so); the inbox shows it in the
reader's language by recognising the lines the apps write and translating their pattern through the catalogue. A line
that matches no pattern (or a reader in Chinese) is shown as stored. Names, dates and titles are kept as they are.
"""

from __future__ import annotations

import re

from django.utils.translation import get_language, gettext, gettext_noop

_ = gettext_noop  # the patterns are translated when shown, in the reader's language

PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^领导(?P<name>.+?)点评了你的记实$"), _("领导%(name)s点评了你的记实")),
    (re.compile(r"^(?P<name>.+?)点评了你的记实$"), _("%(name)s点评了你的记实")),
    (re.compile(r"^(?P<name>.+?)在点评中提到了你$"), _("%(name)s在点评中提到了你")),
    (
        re.compile(r"^(?P<name>.+?)对你的记实提出质询，请在(?P<month>\d+)月(?P<day>\d+)日前答复$"),
        _("%(name)s对你的记实提出质询，请在%(month)s月%(day)s日前答复"),
    ),
    (re.compile(r"^(?P<name>.+?)答复了你的质询$"), _("%(name)s答复了你的质询")),
    (re.compile(r"^(?P<name>.+?)的记实把你列为参与者，请确认$"), _("%(name)s的记实把你列为参与者，请确认")),
    (re.compile(r"^(?P<name>.+?)确认参与了你记录的工作$"), _("%(name)s确认参与了你记录的工作")),
    (re.compile(r"^(?P<name>.+?)表示未参与你记录的工作$"), _("%(name)s表示未参与你记录的工作")),
    (re.compile(r"^(?P<name>.+?)报告督办已办结：(?P<title>.+)$"), _("%(name)s报告督办已办结：%(title)s")),
    (re.compile(r"^(?P<name>.+?)确认督办办结：(?P<title>.+)$"), _("%(name)s确认督办办结：%(title)s")),
    (re.compile(r"^(?P<name>.+?)退回督办：(?P<title>.+)$"), _("%(name)s退回督办：%(title)s")),
    (re.compile(r"^(?P<name>.+?)批示：(?P<title>.+)$"), _("%(name)s批示：%(title)s")),
    (re.compile(r"^(?P<name>.+?)下达督办：(?P<title>.+)$"), _("%(name)s下达督办：%(title)s")),
    (re.compile(r"^(?P<unit>.+?)收到公众留言，请审核$"), _("%(unit)s收到公众留言，请审核")),
    (
        re.compile(r"^(?P<period>.+?)结果公示至(?P<month>\d+)月(?P<day>\d+)日，请签署本人意见$"),
        _("%(period)s结果公示至%(month)s月%(day)s日，请签署本人意见"),
    ),
    (re.compile(r"^(?P<name>.+?)申请复核(?P<period>.+?)结果$"), _("%(name)s申请复核%(period)s结果")),
    (re.compile(r"^(?P<period>.+?)复核决定已作出$"), _("%(period)s复核决定已作出")),
    (re.compile(r"^(?P<period>.+?)申诉处理决定已作出$"), _("%(period)s申诉处理决定已作出")),
    (re.compile(r"^(?P<name>.+?)对(?P<period>.+?)结果提出申诉$"), _("%(name)s对%(period)s结果提出申诉")),
    (
        re.compile(r"^您 (?P<month>\d+)月(?P<day>\d+)日 的工作记实还没有填写$"),
        _("您 %(month)s月%(day)s日 的工作记实还没有填写"),
    ),
]


def in_reader_language(text: str) -> str:
    """`text` (a stored Chinese line) in the active language: translated by its pattern, else as stored."""
    if (get_language() or "zh").lower().startswith("zh"):
        return text
    for pattern, message in PATTERNS:
        found = pattern.match(text)
        if found is not None:
            translated = gettext(message)
            return text if translated == message else translated % found.groupdict()
    return text

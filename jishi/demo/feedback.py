"""The demo's citizens' messages (留言, issue 18): a few on the leaders' newest public records, most of them moderated
and some answered in public — so the portal's record pages, the units' inboxes and the answer rate have something
to show. Run by the demo build after the portal's publication; moderation and answers go through the portal's
services (logged, audited) by a moderator of each unit."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from jishi.org.models import Person
from jishi.portal import feedback
from jishi.portal.models import Message, MessageStatus, Publication

QUESTIONS = [
    "请问会上明确的三项分工，什么时候能落实到我们村？",
    "我家附近的道路施工已经两个月了，请问预计什么时候完工？",
    "老旧小区加装电梯的补贴怎么申请？需要准备哪些材料？",
    "感谢领导到我们社区调研，希望垃圾分类的设施能再多一些。",
    "学校门口早晚高峰很堵，能否增加交通协管员？",
    "请问养老服务补贴的标准今年有没有调整？",
    "河道整治后水质明显好了，点个赞！希望长期保持。",
    "企业开办手续还能再简化吗？我们跑了三次窗口。",
    "社区食堂的开放时间能否延长到晚上七点？",
    "记录里提到的惠民项目，普通居民怎么参与？",
]
NAMES = ["王先生", "李女士", "张阿姨", "居民", "", "", "陈同学", "刘师傅"]
ANSWERS = [
    "感谢您的关注。相关工作已列入本月计划，我们将在完成后及时公布进展。",
    "您反映的情况已转交具体承办科室，工作人员将在5个工作日内与您联系。",
    "谢谢您的建议，我们已会同相关部门研究，将结合实际逐步改进。",
    "申请材料和办理流程已在本单位公开栏和网站公布，也可拨打咨询电话了解。",
]
REJECT_REASONS = ["内容与本条记实无关", "含他人个人信息"]
SPAM = "优惠代开发票，加微信了解详情"


@dataclass
class FeedbackSeeded:
    """What the demo's messages came to."""

    messages: int = 0
    answered: int = 0


def seed_feedback(*, rng: random.Random, records: int = 12) -> FeedbackSeeded:
    """Messages on the newest live leaders' records: about half answered, some awaiting moderation or an answer,
    one refused and one spam. A unit without a moderator keeps its messages pending.

    On the clock, not the build's `now`: publication stamps the moment it runs, and a message comes after it."""
    now = timezone.now()
    seeded = FeedbackSeeded()
    publications = list(
        Publication.objects.live(now=now)
        .filter(is_leader=True)
        .select_related("unit")
        .order_by("-date", "-id")[:records]
    )
    for index, publication in enumerate(publications):
        moderator_ids = feedback.moderators_of(publication.unit)
        moderator = Person.objects.filter(pk__in=moderator_ids[:1]).first()
        for turn in range(rng.randint(1, 2)):
            spam = index == 3 and turn == 0
            waited = datetime.timedelta(hours=rng.randint(1, 48))
            text = SPAM if spam else rng.choice(QUESTIONS)
            message = Message.objects.create(
                publication=publication,
                unit=publication.unit,
                name="" if spam else rng.choice(NAMES),
                contact=f"139{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.5 else "",
                text=text,
                text_public=feedback.public_text(text),
                created_at=min(now, publication.published_at + waited),
                address_hash=feedback.address_hash(f"demo-{index}-{turn}"),
            )
            seeded.messages += 1
            if moderator is None:
                continue
            fate = rng.random()
            if spam:
                feedback.moderate(actor=moderator, message=message, decision=MessageStatus.SPAM, reason="广告")
            elif index == 5 and turn == 0:
                reason = rng.choice(REJECT_REASONS)
                feedback.moderate(actor=moderator, message=message, decision=MessageStatus.REJECTED, reason=reason)
            elif fate < 0.2:
                continue  # awaiting moderation
            else:
                feedback.moderate(actor=moderator, message=message, decision=MessageStatus.APPROVED)
                if fate < 0.75:
                    feedback.answer(actor=moderator, message=message, text=rng.choice(ANSWERS))
                    seeded.answered += 1
    return seeded

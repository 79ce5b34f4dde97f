"""Redaction before publication, measured on hand-written sentences (tests/data/redaction_sentences.json): precision
and recall per kind — every identity and phone number found — and what a reader of the portal would notice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jishi.portal.redaction import KINDS, evaluate, is_id15, is_id18, luhn, redact

DATA = Path(__file__).parent / "data" / "redaction_sentences.json"

# Floors for the kinds whose recall is not required to be complete (measured: bench/redaction.py, RESULTS.md).
FLOORS = {
    "email": (0.95, 0.95),
    "id": (0.95, 1.0),
    "bank": (0.95, 0.95),
    "phone": (0.95, 1.0),
    "plate": (0.95, 0.95),
    "name": (0.90, 0.85),
}


@pytest.fixture(scope="module")
def dataset() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def test_the_set_is_large_and_covers_every_kind(dataset: dict) -> None:
    sentences = dataset["sentences"]
    assert len(sentences) >= 200
    kinds = {kind for sentence in sentences for kind, _ in sentence["spans"]}
    assert kinds == set(KINDS)
    assert sum(1 for sentence in sentences if not sentence["spans"]) >= 50  # hard cases with nothing to redact
    for sentence in sentences:  # every marked span is really in its sentence, in order
        position = 0
        for _, text in sentence["spans"]:
            position = sentence["text"].index(text, position) + len(text)


def test_precision_and_recall_per_kind(dataset: dict) -> None:
    scores, misses = evaluate(dataset["sentences"], officials=dataset["officials"])
    assert scores["id"].recall == 1.0, misses
    assert scores["phone"].recall == 1.0, misses
    for kind, (precision, recall) in FLOORS.items():
        assert scores[kind].precision >= precision, (kind, misses)
        assert scores[kind].recall >= recall, (kind, misses)


def test_placeholders_replace_the_data_and_counts_are_kept() -> None:
    result = redact(
        "来访人顾建华（身份证号310115196302223438，电话138 1623 4471）驾驶沪A·8K327，邮箱gu@163.com，"
        "银行卡6222025519452668688。",
        officials=set(),
    )
    assert (
        result.text
        == "来访人【姓名】（身份证号【身份证号】，电话【电话】）驾驶【车牌】，邮箱【邮箱】，银行卡【银行卡号】。"
    )
    assert result.counts == {"name": 1, "id": 1, "phone": 1, "plate": 1, "email": 1, "bank": 1}


def test_officials_stay_named_and_mou_forms_stay() -> None:
    result = redact("周志明区长接待来访群众丁国华，村民张某某一同反映。", officials={"周志明"})
    assert result.text == "周志明区长接待来访群众【姓名】，村民张某某一同反映。"
    # The same name is redacted when it is not one of the organisation's people.
    assert redact("居民周志明反映漏水。", officials=set()).text == "居民【姓名】反映漏水。"
    assert redact("居民周志明反映漏水。", officials={"周志明"}).text == "居民周志明反映漏水。"


@pytest.mark.parametrize(
    "text",
    [
        "转发嘉府发〔2026〕12号文件。",
        "统一社会信用代码91310114MA1GT3XX7B。",
        "合同编号310114202603151234已归档。",  # 18 digits, wrong checksum
        "截至20260331完成12,580,000元。",
        "市民服务热线12345和报警电话110。",
        "已将联系电话138****2290的市民诉求转办。",
        "地址为嘉定区安亭镇墨玉路185号3号楼1201室。",
        "",
    ],
)
def test_what_is_not_personal_data_stays(text: str) -> None:
    assert redact(text, officials=set()).text == text


def test_checks() -> None:
    assert is_id18("31011219690627646X") and is_id18("31011219690627646x")
    assert not is_id18("310114197909047886")  # checksum
    assert not is_id18("310114202613150012")  # month 13
    assert is_id15("310104580315123") and not is_id15("310114000876543")
    assert luhn("6222025519452668688") and not luhn("6222065304332925309")


def test_wrong_input_never_raises() -> None:
    for text in ["\x00", "【电话】", "1" * 5000, "沪" * 100, "@" * 50, "村民" * 200, "老人", "王先生"]:
        result = redact(text, officials={"", "王"})
        assert isinstance(result.text, str)


def test_full_width_digits_and_letters_are_read_too() -> None:
    result = redact(
        "居民电话１３９１７６５２２８４，邮箱ｇｕ＿ｊｈ＠１６３．ｃｏｍ，车牌沪Ａ·８Ｋ３２７。", officials=set()
    )
    assert result.text == "居民电话【电话】，邮箱【邮箱】，车牌【车牌】。"

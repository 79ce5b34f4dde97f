"""Index terms and query parsing: the rules both databases share."""

from __future__ import annotations

import pytest

from jishi.search.terms import QueryError, highlight_spans, index_text, parse_query, tsvector_literal


def test_cjk_runs_become_pairs_and_a_closing_character() -> None:
    assert index_text("信访会议") == "信访 访会 会议 议"


def test_no_pair_spans_punctuation_or_fields() -> None:
    terms = index_text("会议，检查", "信访").split()
    assert "议检" not in terms
    assert "查信" not in terms
    assert terms == ["会议", "议", "检查", "查", "信访", "访"]


def test_ascii_words_are_lowercased_and_full_width_folded() -> None:
    assert index_text("整理Excel表格，ＰＤＦ文件２份") == "整理 理 excel 表格 格 pdf 文件 件 2 份"


def test_query_pieces_and_syntax() -> None:
    query = parse_query("信访  预算编制 2027年 信")
    assert query.words == ("信访", "预算编制", "2027年", "信")
    assert query.fts5() == '"信访" AND "预算 算编 编制" AND "2027" AND "年" * AND "信" *'
    assert query.tsquery() == "('信访') & ('预算' <-> '算编' <-> '编制') & ('2027') & '年':* & '信':*"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请输入要检索的词语。"),
        ("   ", "请输入要检索的词语。"),
        ("信" * 101, "检索词过长"),
        ("a b c d e f g h i", "检索词最多 8 个"),
        ("！？、……", "没有可检索的汉字、字母或数字"),
        ('"* ( ) ^ -', "没有可检索的汉字、字母或数字"),
    ],
)
def test_queries_that_cannot_be_searched_say_why(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(")):
        parse_query(text)


def test_syntax_characters_never_reach_the_engine() -> None:
    query = parse_query('信访" OR 会议* NEAR(x')
    assert '"' not in "".join(p.text for p in query.pieces)
    assert query.fts5() == '"信访" AND "or" AND "会议" AND "near" AND "x"'


def test_highlight_spans_merge_and_respect_ascii_words() -> None:
    query = parse_query("信访 pdf")
    assert highlight_spans("信访信访，PDFs 与 pdf", query) == [(0, 4), (12, 15)]


def test_tsvector_literal_keeps_positions() -> None:
    assert tsvector_literal("会议 议会 会议 议") == "'会议':1,3 '议会':2 '议':4"

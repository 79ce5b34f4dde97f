"""Redaction before publication (政务公开): citizens' personal data in a record's text replaced by placeholders.

Pure — no database: `redact(text, officials=...)` takes the names of the organisation's people, who are named on the
portal (it is their public work) — except where a citizen cue names someone of the same name (below).

Kinds, in the order they claim text (an earlier kind's span is never re-read by a later one):
  email  an e-mail address;
  id     a resident identity number: 18 digits (the last may be X) with a valid ISO 7064 checksum, a plausible
         birth date and region; 18 characters right after 身份证/证件号 even with a wrong checksum (a mistyped
         number is still someone's, hidden as an ID even when it would pass a bank card's Luhn check); the same
         written in groups with spaces or dashes (110105 19491231 002X, 1101 0519 4912 3100 2X); the old
         15-digit form with a valid birth date;
  bank   a bank card: 16–19 digits (grouped by 4 or not) passing the Luhn check, beginning as cards do (3–6, 9);
  phone  a mobile (1[3-9] and 9 digits, spaces or dashes, +86/0086), a landline with its area code (021-…,
         (021)…), 400/800 numbers, and a bare 7–8 digit local number only right after a phone word (电话, 手机 …);
  plate  a vehicle plate: province character, letter, optional · or space, 5–6 letters and digits, in either case
         (沪A·D12345, 沪 AF 12345, 沪a12345);
  name   a private person's name: a surname and one or two characters after a word that introduces a citizen
         (村民, 居民, 来访人, 当事人, 申请人, 反映人, 低保户, 大妈 … and 、/与/和 lists after one), or before a form of
         address (老人, 先生, 女士, 阿姨, 大爷, 家属). After a citizen cue (村民 …) or before a form no official is
         called by (老人, 阿姨 …) the name is taken even when an official has it — common names collide in a district
         of thousands; after a word that merely introduces someone (负责人, 联系人, 驾驶员) an official stays named.
         某-forms (张某某) and a surname with a form of address alone (王先生) stay: they identify nobody. Names
         written without any such word are not found — measured in tests/test_redaction.py and bench/redaction.py.
Numbers that are none of these (dates, 文号, amounts, 统一社会信用代码, contract and order numbers, 12345) stay.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

KINDS = ("email", "id", "bank", "phone", "plate", "name")

PLACEHOLDERS = {
    "phone": "【电话】",
    "id": "【身份证号】",
    "plate": "【车牌】",
    "bank": "【银行卡号】",
    "email": "【邮箱】",
    "name": "【姓名】",
}


@dataclass(frozen=True)
class Span:
    """One piece of personal data found: its kind and where it is in the text."""

    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Redacted:
    """The redacted text, the spans replaced (positions in the original) and how many of each kind."""

    text: str
    spans: tuple[Span, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)


# Letters and digits on either side mean the digits are part of a longer code (91310114MA…, PO2026…, …X7).
_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)

_ID18 = re.compile(_B + r"\d{17}[\dXx]" + _E)
# The same 18 characters written in groups (110105 19491231 002X, 110105-19491231-002X, 1101 0519 4912 3100 2X): a
# space or dash between digits, kept only when the joined number is an identity number or an ID word precedes it.
_ID18_GROUPED = re.compile(_B + r"\d(?:[ -]?\d){16}[ -]?[\dXx]" + _E)
_ID15 = re.compile(_B + r"\d{15}" + _E)
_ID_CUE = re.compile(r"(?:身份证|证件|身份号码|公民身份)[^，。；,;]{0,6}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_BANK = re.compile(_B + r"\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?" + _E)

_MOBILE = re.compile(_B + r"(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _E)
_LANDLINE = re.compile(r"(?:[(（]0[1-9]\d{1,2}[)）] ?|" + _B + r"0[1-9]\d{1,2}[ -]?)\d{3,4}[ -]?\d{4}" + _E)
_SERVICE = re.compile(_B + r"[48]00[ -]?\d{3,4}[ -]?\d{3,4}" + _E)
_LOCAL = re.compile(_B + r"[2-9]\d{6,7}" + _E)
_PHONE_CUE = re.compile(
    r"(?:电话|手机|座机|专线|号码|热线|来电|联系方式|联系|致电|回电|短信|微信)[^，。；,;]{0,14}$"
    r"|(?:" + r"\d{7,8}|1[3-9]\d{9}" + r")[/、或和 ]$"
)
# Written right after a number, these make it a file or case number, not a phone (15030228791号案卷).
_NOT_PHONE_AFTER = re.compile(r"^[号#]")

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Also written with a space (沪 A12345, 沪A 12345, 沪 AF 12345) or in lower case (沪a12345).
_PLATE = re.compile(
    r"[" + _PROVINCES + r"] ?[A-HJ-NP-Z](?: ?[·•・.] ?| )?"
    r"(?:[A-HJ-NP-Z0-9]{5,6}|[A-HJ-NP-Z] [A-HJ-NP-Z0-9]{5}|[A-HJ-NP-Z0-9]{4}[挂学警港澳])(?![0-9A-Za-z])",
    re.IGNORECASE,
)

# Surnames: the common ones. Left out: those that are mostly ordinary words after a cue (区 双 留 资 信 百 家 望 时 银
# 查 居: 老人时, 申请人银行卡, 业主代表查账).
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练"
    "廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿"
    "鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由须贝"
) - set("区双留资信百家望时银查居")
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "令狐",
    "慕容",
    "夏侯",
    "端木",
    "公孙",
    "长孙",
    "宇文",
    "司徒",
)

# Words that name a member of the public (村民, 来访人, 低保户 …): a name after one of them is a citizen's even when
# one of the organisation's people has the same name (common names collide in a district of thousands).
_CITIZEN_CUES = {
    "村民", "居民", "群众", "来访人", "来访群众", "来访者", "信访人", "访民", "来信人", "来电人", "当事人",
    "申请人", "被申请人", "户主", "低保户", "困难户", "五保户", "特困户", "业主", "业主代表", "村民代表",
    "居民代表", "住户", "租户", "租客", "投诉人", "举报人", "报案人", "求助人", "反映人", "受助人", "市民",
    "新市民", "患者", "孤儿", "失主", "死者", "伤者", "老人", "大妈", "大婶",
}  # fmt: skip
# Words that introduce a private person (the longest is tried first: 村民代表 before 村民); after those that are not
# citizen cues (负责人, 联系人, 驾驶员 …) an official's name stays.
_NAME_CUES = sorted(
    _CITIZEN_CUES
    | {
        "老党员", "联系人", "负责人", "学生", "儿童", "子女", "残疾人", "退役军人", "职工", "骑手", "对象", "人员",
        "丈夫", "妻子", "儿子", "女儿", "母亲", "父亲", "读者", "驾驶员", "司机", "店主", "摊主", "农户", "家属",
        "监护人", "委托人", "代理人", "房东", "车主",
    },
    key=len,
    reverse=True,
)  # fmt: skip
_CUE = re.compile("|".join(re.escape(cue) for cue in _NAME_CUES))
_AFTER_CUE = re.compile(r"(?:为|是|系)?[：:]?")  # used with match(text, pos): anchored there
# Forms of address written after a name.
_ADDRESS_FORMS = ("老人", "先生", "女士", "阿姨", "大爷", "大妈", "大婶", "奶奶", "爷爷", "家属", "老伯", "师傅")
# Those of them no official is called by: the name before one is a citizen's even when an official has it.
_CITIZEN_FORMS = frozenset(("老人", "阿姨", "大爷", "大妈", "大婶", "奶奶", "爷爷", "老伯"))
# Characters that do not occur in given names but do follow a name (称, 因, 在 …): they end the name.
_ADDRESS_FORM = re.compile("|".join(_ADDRESS_FORMS))
_FUNCTION_CHARS = set(
    "的了是在和与及或等对向被已将就也都把让从自于为不再因称到说这那其之所个些年月日时号省市区县镇村街弄室楼元件项次名均并曾"
)
# Words that often follow a name: a two-character name is taken when one of these comes right after it.
_FOLLOW_WORDS = (
    "反映", "反应", "来电", "来访", "来信", "来所", "表示", "提出", "要求", "投诉", "举报", "咨询",
    "申请", "家", "一家", "夫妇", "本人", "情绪", "同意", "签", "到", "通过", "驾驶", "拒",
    "承认", "认为", "介绍", "讲", "诉", "母亲", "父亲", "儿子", "女儿", "妻子", "丈夫", "老人",
    "先生", "女士", "阿姨", "大爷", "家属", "提供", "办理", "商讨", "沟通", "协商", "参加", "达成",
    "发生", "确认", "领取", "签字", "按期", "纳入", "情况",
    # Added after the review: verbs that followed a one-character given name and were taken into it (患者刘八住院).
    "住院", "入院", "出院", "就医", "就诊", "去世", "病故", "离世", "身故", "死亡", "受伤", "摔伤", "住在", "居住",
    "家住", "现住", "拒绝", "不服", "主动", "多次", "前来", "持有", "签收", "表态", "提交",
)  # fmt: skip
# Words after a cue that begin with a surname but are no name (群众路线, 群众满意度, 子女申请).
_NOT_NAMES = ("路线", "满意", "代表", "干部", "自治", "小组", "委员", "党员", "申请")
_LIST_JOINERS = ("、", "与", "和", "及")
_PUNCTUATION = set("，。；：、！？,.;:!?（）()【】[]“”\"'《》 \n\t")


# Full-width digits, letters and signs (１３８…, ｇｕ＠１６３．ｃｏｍ: a Chinese input method in full-width mode)
# are read as their ASCII forms.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def is_id18(number: str) -> bool:
    """An 18-character resident identity number: region, birth date and ISO 7064 MOD 11-2 checksum."""
    if len(number) != 18 or not number[:17].isdigit() or number[0] not in "12345678":
        return False
    if not (
        1900 <= int(number[6:10]) <= 2099 and _valid_date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    ):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def is_id15(number: str) -> bool:
    """The old 15-digit identity number (before 1999): region and a birth date in the 1900s."""
    return (
        len(number) == 15
        and number.isdigit()
        and number[0] in "12345678"
        and _valid_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    )


def luhn(digits: str) -> bool:
    """The Luhn check of a card number."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


class _Finder:
    """Collects spans kind by kind; a character claimed once is not claimed again."""

    def __init__(self, text: str, officials: Collection[str]) -> None:
        self.original = text
        self.text = text.translate(_HALFWIDTH)  # one character for one: positions stay the original's
        self.officials = officials if isinstance(officials, (set, frozenset)) else set(officials)
        self.taken = [False] * len(text)
        self.spans: list[Span] = []

    def free(self, start: int, end: int) -> bool:
        return not any(self.taken[start:end])

    def claim(self, kind: str, start: int, end: int) -> None:
        if start < end and self.free(start, end):
            self.spans.append(Span(kind, start, end, self.original[start:end]))
            for position in range(start, end):
                self.taken[position] = True

    def before(self, position: int, width: int = 20) -> str:
        return self.text[max(0, position - width) : position]

    # numbers -------------------------------------------------------------------------------------------------------

    def emails(self) -> None:
        for match in _EMAIL.finditer(self.text):
            self.claim("email", match.start(), match.end())

    def ids(self) -> None:
        for match in _ID18.finditer(self.text):
            if is_id18(match.group()) or _ID_CUE.search(self.before(match.start(), 12)):
                self.claim("id", match.start(), match.end())
        for match in _ID18_GROUPED.finditer(self.text):
            number = match.group().replace(" ", "").replace("-", "")
            if is_id18(number) or _ID_CUE.search(self.before(match.start(), 12)):
                self.claim("id", match.start(), match.end())
        for match in _ID15.finditer(self.text):
            if is_id15(match.group()):
                self.claim("id", match.start(), match.end())

    def banks(self) -> None:
        for match in _BANK.finditer(self.text):
            digits = _digits(match.group())
            if 16 <= len(digits) <= 19 and digits[0] in "345669" and luhn(digits):
                self.claim("bank", match.start(), match.end())

    def phones(self) -> None:
        for pattern in (_MOBILE, _SERVICE, _LANDLINE):
            for match in pattern.finditer(self.text):
                if pattern is _SERVICE and len(_digits(match.group())) != 10:
                    continue
                if _NOT_PHONE_AFTER.match(self.text[match.end() :]) and not _PHONE_CUE.search(
                    self.before(match.start())
                ):
                    continue
                self.claim("phone", match.start(), match.end())
        for match in _LOCAL.finditer(self.text):
            if _PHONE_CUE.search(self.before(match.start())):
                self.claim("phone", match.start(), match.end())

    def plates(self) -> None:
        for match in _PLATE.finditer(self.text):
            if any(char.isdigit() for char in match.group()):
                self.claim("plate", match.start(), match.end())

    # names ---------------------------------------------------------------------------------------------------------

    def _surname_at(self, position: int) -> int:
        """The length of a surname starting at `position` (2 for 欧阳 …), or 0."""
        if self.text[position : position + 2] in _COMPOUND_SURNAMES:
            return 2
        return 1 if position < len(self.text) and self.text[position] in _SURNAMES else 0

    def _official_at(self, position: int) -> bool:
        return any(self.text[position : position + length] in self.officials for length in (2, 3, 4))

    def _ends_name(self, position: int) -> bool:
        """Whether a name may end just before `position`: the text ends, punctuation or digits, a function
        character or a word that follows names."""
        if position >= len(self.text):
            return True
        char = self.text[position]
        if char in _PUNCTUATION or not _is_cjk(char) or char in _FUNCTION_CHARS:
            return True
        return any(self.text.startswith(word, position) for word in _FOLLOW_WORDS)

    def _follows(self, position: int) -> bool:
        return any(self.text.startswith(word, position) for word in _FOLLOW_WORDS)

    def _given_ok(self, start: int, end: int) -> bool:
        given = self.text[start:end]
        return (
            end <= len(self.text)
            and all(_is_cjk(char) and char not in _FUNCTION_CHARS for char in given)
            and "某" not in given
        )

    def name_at(self, position: int, *, citizen: bool = False) -> int:
        """The end of a private person's name starting at `position` (after a cue word), or 0. After a citizen cue
        (`citizen`) the name is taken even when an official has it."""
        surname = self._surname_at(position)
        if not surname or "某" in self.text[position : position + surname + 2]:
            return 0
        if not citizen and self._official_at(position):
            return 0
        if any(self.text.startswith(word, position) for word in _NOT_NAMES):
            return 0
        given = position + surname
        if any(self.text.startswith(form, given) for form in _ADDRESS_FORMS):
            return 0  # a surname and a form of address (王先生, 李阿姨) identify nobody
        if not self._given_ok(given, given + 1):
            return 0
        two_given = self._given_ok(given, given + 2)
        # One given character when the next one cannot be part of a name or begins a word that follows names
        # (马丽反映, 黎明再次, 贺永因就业); two otherwise (沈阿根来电, 周小龙情绪稳定).
        if not two_given or self._follows(given + 1):
            return given + 1 if self._ends_name(given + 1) else 0
        return given + 2

    def names(self) -> None:
        text = self.text
        position = 0
        while (found := _CUE.search(text, position)) is not None:
            position, cue = found.start(), found.group()
            citizen = cue in _CITIZEN_CUES
            start = position + len(cue)
            start = _AFTER_CUE.match(text, start).end()  # type: ignore[union-attr]  # it matches the empty string
            end = self.name_at(start, citizen=citizen) if start < len(text) else 0
            while end:
                self.claim("name", start, end)
                joiner = next((j for j in _LIST_JOINERS if text.startswith(j, end)), None)
                if joiner is None:
                    break
                start = end + len(joiner)
                end = self.name_at(start, citizen=citizen) if start < len(text) else 0
            position = max(position + len(cue), end)
        for found in _ADDRESS_FORM.finditer(text):
            self._name_before(found.start(), citizen=found.group() in _CITIZEN_FORMS)

    def _name_before(self, end: int, *, citizen: bool = False) -> None:
        """A name written right before a form of address (沈桂芳老人, 顾志明先生); before a form no official is called
        by (`citizen`: 老人, 阿姨 …) even when an official has the name."""
        if any(self.text.endswith(cue, 0, end - 1) for cue in _NAME_CUES):
            return  # 居民王先生: a cue, a surname and the form of address — nobody named
        for length in (3, 2, 4):
            start = end - length
            if start < 0:
                continue
            surname = self._surname_at(start)
            if surname == 1 and length == 4:
                continue  # four characters only with a two-character surname (欧阳文静)
            if surname and self._given_ok(start + surname, end):
                if (not citizen and self._official_at(start)) or "某" in self.text[start:end]:
                    return
                if length == 2 and start > 0 and self._surname_at(start - 1) and _is_cjk(self.text[start - 1]):
                    continue  # 沈桂芳: 桂 is a surname too, but the three characters are the name
                self.claim("name", start, end)
                return

    def run(self) -> list[Span]:
        self.emails()
        self.ids()
        self.banks()
        self.phones()
        self.plates()
        self.names()
        return sorted(self.spans, key=lambda span: span.start)


def find(text: str, *, officials: Collection[str] = ()) -> list[Span]:
    """The personal data in `text`, in order of position."""
    return _Finder(text, officials).run()


def _pieces(text: str, spans: list[Span]) -> Iterator[str]:
    position = 0
    for span in spans:
        yield text[position : span.start]
        yield PLACEHOLDERS[span.kind]
        position = span.end
    yield text[position:]


def redact(text: str, *, officials: Collection[str] = ()) -> Redacted:
    """`text` with citizens' phones, identity numbers, plates, bank cards, e-mail addresses and names replaced by
    placeholders (【电话】 …); the organisation's people (`officials`, full names) are left named."""
    spans = find(text or "", officials=officials)
    counts: dict[str, int] = {}
    for span in spans:
        counts[span.kind] = counts.get(span.kind, 0) + 1
    return Redacted(text="".join(_pieces(text or "", spans)), spans=tuple(spans), counts=counts)


@dataclass
class Score:
    """Precision and recall of one kind over a set of sentences whose spans a person marked."""

    kind: str
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


def evaluate(sentences: list[dict], *, officials: Collection[str]) -> tuple[dict[str, Score], list[dict]]:
    """Score `find` against sentences {"text", "spans": [[kind, text], …]}: a span found counts when a marked span
    of the same kind has exactly its text. Returns the scores by kind and the sentences that differ."""
    scores = {kind: Score(kind) for kind in KINDS}
    misses = []
    for sentence in sentences:
        expected = [(kind, text) for kind, text in sentence["spans"]]
        found = [(span.kind, span.text) for span in find(sentence["text"], officials=officials)]
        unmatched = list(expected)
        wrong = []
        for item in found:
            if item in unmatched:
                unmatched.remove(item)
                scores[item[0]].true_positives += 1
            else:
                scores[item[0]].false_positives += 1
                wrong.append(item)
        for kind, _ in unmatched:
            scores[kind].false_negatives += 1
        if wrong or unmatched:
            misses.append({"text": sentence["text"], "missed": unmatched, "wrong": wrong})
    return scores, misses

"""Reply quality: how well a department's reply answers the citizen's message (plain Python).

A reply gets four sub-scores in [0, 1], an overall score and the reasons a reviewer can read.
Nothing here blocks a reply: a *weak* reply is flagged for the head and the platform's reviewer,
who decide. Django stores the result on the reply (``interaction.replyquality``).

Tokens come from :func:`classifier.tokenizer.tokenize`; *content terms* are its tokens minus
numbers, single function characters and a short list of words every message or reply uses
(:data:`STOPWORDS`). ``idf(t)`` is the smoothed inverse document frequency
``ln((N + 1) / (df(t) + 1)) + 1`` over a background corpus (see "IDF table" below).

Relevance (R) — does the reply talk about what the message is about?
    The message's *key terms* are its ``key_terms`` (default 10) content terms of highest
    ``(1 + ln tf) · idf`` (subject terms count twice in tf). A key term is *covered* (1) when it
    occurs in the normalised reply text — a substring test, so a segmentation difference does not
    hide it — and half-covered (½) when only a two-character part of a longer term does
    (公交车 → 公交)::

        coverage = Σ idf(t) · covered(t) / Σ idf(t)          over the key terms
        R        = min(1, coverage / relevance_full)          (relevance_full: default 0.6)

    A reply that repeats the message's specific terms (the estate, the road, the fee) is
    relevant; a boilerplate or off-topic reply covers only generic terms and scores low.

Completeness (C) — does it answer every point, say what was done, what comes next, and whom to call?
    *Points* are the message's sentences (split at 。！？；and line breaks) that ask or demand:
    the first clause of each (split at ，：) with a marker (？, 吗, 什么, 怎么, 为什么, 如何, 是否,
    能否, 请 (not 申请/请假), 希望, 要求, 建议, 应该, …), taken with its neighbouring clauses when
    it has fewer than two specific terms (unless it only asks to act); at most ``max_points``
    (6). Without any, the subject is the one point. A point is *addressed* when the reply
    covers at least ``point_cover`` (⅓) of the idf mass of its (up to ``point_terms`` = 4)
    highest-idf terms, leaving out words that only say "please act" (处理, 解决, 尽快, 整改 …);
    a point made of such words alone ("请有关部门尽快处理") is addressed by saying what was done.
    Then::

        C = 0.4 · addressed/points + 0.2 · [what was done] + 0.2 · [next step] + 0.2 · [contact]

    *done*: 经调查 / 核实 / 核查 / 查明 / 现场 / 约谈 / 责令 / 整改 / 已… (but not 已收悉 / 已收到);
    *next step*: 下一步 / 将于 / 将会 / 将进一步 … / 预计 / 计划 / 后续 / 届时 / 争取 / 持续 /
    及时告知 … (not the formula 现将…答复如下); *contact*: a telephone number (not part of a user
    name such as UU0012345) or 联系电话 / 咨询电话 / 联系人 / 联系方式 / 致电 / 办公室 / 热线.

Interpretability (I) — does it cite the policy or regulation it relies on? Evidence, capped::

        I = min(1, 0.6·[named document] + 0.2·[article] + 0.3·[basis phrase] + 0.1·[policy word])

    *named document*: a 《…》 title of a law, regulation, measure, notice, plan or standard
    (《…条例》, 《…办法（试行）》, 《…的通知》 — not a column name such as 《问政…》) or a document
    number such as 〔2019〕12号; *article*: 第…条 (款, 项); *basis phrase*: 根据 / 按照 / 依据 /
    依照 / 依法 / 参照 … followed within 40 characters by 规定, 条例, 办法, 政策, 文件, 通知, 标准 …;
    *policy word*: 政策, 规定, 条例, 办法, 法律, 法规, 细则, 标准. So "根据《…条例》第十条规定"
    scores 1.0, "按相关规定办理" 0.4, nothing 0.

Timeliness (T) — working days used against the case's limit (``None`` when unknown)::

        T = 1                                          if used ≤ allowed
        T = max(0, 1 − (used − allowed) / allowed)     otherwise (0 at twice the limit)

    The caller measures the working days (Django: ``interaction.deadlines.working_time`` at the
    draft, pauses excluded, granted extensions included in the limit; the benchmark: message time
    to reply time with :func:`working_days_between` over the official calendar).

Overall (O) — the weighted mean of the sub-scores that are known (T may be unknown)::

        O = Σ w_k · S_k / Σ w_k       (default weights R 0.35, C 0.35, I 0.15, T 0.15)

Weak — flagged when any score is under its threshold: by default ``O < 0.4``, ``R < 0.2`` (off
topic) or ``C < 0.25`` (answers almost nothing); thresholds can be set for any of the five
scores, and a negative one is off. All scores are rounded to three decimals.

Parameters. :class:`Params` holds the weights, the weak thresholds and the knobs above. Django
reads them from the settings ``WENZHENG_REPLY_QUALITY_WEIGHTS`` and ``WENZHENG_REPLY_QUALITY_WEAK``,
which come from environment variables of the same names, e.g.
``WENZHENG_REPLY_QUALITY_WEIGHTS="relevance=0.4,completeness=0.4,interpretability=0.1,timeliness=0.1"``
and ``WENZHENG_REPLY_QUALITY_WEAK="overall=0.45,relevance=0.25"`` (keys not given keep their
defaults); :func:`params_from_env` reads the same variables without Django (the benchmark).

IDF table. Built lazily, on the first score, without Django and without any real data:
- the document frequencies of our own demo corpus: every string of
  ``fixtures/demo_city/message_templates.json`` (openers, subjects, bodies, closers, department
  replies, workflow notes; slots such as ``{road}`` removed) is one document, ~340 in all. The
  words every message and reply of a mailbox uses (小区, 整改, 路灯 …) weigh little;
- lowered, for common words of general Chinese, to an estimate from the word frequencies of
  jieba's own dictionary (``jieba/dict.txt``, installed with the tokenizer; see
  :func:`general_idf`). The demo corpus is small: without this, every word it never saw
  (成为, 方面, 主要 …) would weigh as much as a place name. Without jieba installed, the demo
  corpus alone is used.
A term neither source knows (a place, a company, a rare topic word) weighs most. The table is kept
per set of tokenizer dictionaries (Django configures the project's, see ``tokenizer.configure``).
:func:`idf_from_texts` builds a table from other texts (the benchmark compares one built from the
real messages).

Reasons are codes with details (:class:`Reason`); ``interaction.replyquality`` renders them in the
reader's language. Codes: ``low_relevance`` (R < 0.5; up to five key terms the reply never
mentions), ``points_missed`` (the points not addressed, as excerpts of 24 characters),
``no_action``, ``no_next_step``, ``no_contact``, ``no_policy`` (I = 0), ``policy_unnamed`` (rules
mentioned, no document named), ``late`` (T < 1).

Importing this module does no work; the tokenizer and the IDF table load on first use.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = [
    "REASON_CODES",
    "SCORER_VERSION",
    "STOPWORDS",
    "SUB_SCORES",
    "IdfTable",
    "Params",
    "Reason",
    "ReplyScore",
    "ReplyScorer",
    "default_idf",
    "default_scorer",
    "idf_from_texts",
    "params_from_env",
    "parse_pairs",
    "score_reply",
    "working_days_between",
]

# Stored with every score: change it when the formula changes, so old scores can be told apart.
SCORER_VERSION = "rq1"

SUB_SCORES = ("relevance", "completeness", "interpretability", "timeliness")
WEAK_KEYS = ("overall", "relevance", "completeness", "interpretability", "timeliness")
REASON_CODES = (
    "low_relevance",
    "points_missed",
    "no_action",
    "no_next_step",
    "no_contact",
    "no_policy",
    "policy_unnamed",
    "late",
)

WEIGHTS_ENV = "WENZHENG_REPLY_QUALITY_WEIGHTS"
WEAK_ENV = "WENZHENG_REPLY_QUALITY_WEAK"

_TEMPLATES_FILE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "demo_city" / "message_templates.json"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words (after the tokenizer's normalisation) that carry no topic: pronouns, particles, greetings,
# and the mailbox's own vocabulary. Single characters are dropped unless listed in _KEEP_SINGLE.
STOPWORDS = _words(
    """
    您好 你好 谢谢 感谢 尊敬 领导 市长 书记 网友 留言 反映 反应 问题 情况 有关 相关 部门 有关部门
    相关部门 我们 你们 他们 她们 它们 自己 大家 这个 那个 这些 那些 这样 那样 这里 那里 什么 怎么
    怎么办 为什么 如何 是否 能否 可否 可以 能够 应该 需要 已经 还是 还有 就是 但是 而且 并且 或者
    以及 因为 所以 如果 虽然 由于 对于 关于 一个 一些 一下 一直 现在 目前 今天 时候 时间 以后 之后
    以前 之前 最近 非常 十分 特别 比较 真的 希望 请求 恳请 要求 建议 麻烦 帮忙 帮助 解决 处理
    尽快 及时 重视 监管 答复 回复 回应 给予 进行 表示 没有 不是 不能 不会 不要 可能 一定 其他
    其它 以上 如下 上述 同时 另外 此外 具体 相应 有效 工作 支持 理解 关心 信任 关注 监督 您们
    本人 我们家 请问 盼复 万分 收悉 收到 平台 栏目 来信 来电 问政 信箱 市民 群众 老百姓
    """
)
_KEEP_SINGLE = frozenset("水电气路桥树狗猫车房税")

_CJK = re.compile(r"[\u3400-\u9fff]")
# A sentence with its end mark (the question mark is one of the markers of a point).
_SENTENCE = re.compile(r"[^。！？!?；;\n\r]+[。！？!?；;]*")
_CLAUSE_SPLIT = re.compile(r"[，,：:]")
_POINT_MARKERS = re.compile(
    r"[?？]|吗|呢|什么|怎么|为什么|为何|如何|是否|能否|可否|能不能|是不是|有没有|何时|多久|"
    r"哪里|哪些|多少|(?<![申邀聘提报宴])请(?![假示教])|希望|要求|建议|恳请|盼|呼吁|应该|应当|"
    r"必须|务必|麻烦|帮忙|给个说法"
)
# Terms that only say "please act": a point made of them alone is answered by saying what was done.
_GENERIC_DEMAND = _words(
    "处理 解决 尽快 重视 监管 调查 核实 落实 整改 协调 回复 答复 给个 说法 关注 管理 安排 "
    "督促 查处 维修 治理 规范 改善 加强 采取 措施 帮助 帮忙 一下 早日 及早 早点 马上 立即"
)

_DONE = re.compile(
    r"经(?:过)?(?:调查|核实|核查|查|了解|研究|现场|走访|协调|排查|检查)|调查|核实|核查|查明|查实|"
    r"现场|走访|约谈|责令|整改|督促|立案|处罚|查处|协调|维修|修复|清理|拆除|退还|退款|办理|"
    r"已(?!收悉|收到|知悉|悉|转)[\u4e00-\u9fff]"
)
_NEXT = re.compile(
    r"下一步|(?<!现)将(?:于|会|在|继续|持续|进一步|加强|加大|及时|尽快|适时|择机|按|根据|依法|"
    r"严格|督促|组织|安排|开展|结合|对|把|做好|积极|认真|跟踪|配合|协调|启动|完成|推进|予以|"
    r"纳入|采取|进行|实施|逐步|全力|优化|研究|联合|责成)|即将|预计|计划|后续|今后|届时|争取|力争|"
    r"持续|跟踪|进一步|及时(?:告知|反馈|通知|答复|回复)|近期|拟(?:于|在|对|将)|待.{1,12}后|"
    r"长效|常态化|定期|月底前|年底前|之前完成|前完成"
)
# A telephone number: not part of a user name (UU0012345) nor of a longer digit run.
_PHONE = re.compile(
    r"(?<![a-zA-Z0-9])(?:0\d{2,3}[-－—‐ ]?\d{7,8}|1[3-9]\d{9}|\d{7,8}|123\d\d|961\d\d)(?![0-9])"
)
_CONTACT_WORDS = re.compile(
    r"联系电话|咨询电话|服务电话|举报电话|投诉电话|监督电话|联系方式|联系人|致电|来电咨询|办公室|"
    r"热线|联系我们|与.{0,12}联系|电话[:：]"
)
_TITLE = re.compile(r"《([^《》]{2,60})》")
_TITLE_TAIL = re.compile(r"[（(][^（）()]{1,10}[）)]$")
_POLICY_TITLE_END = re.compile(
    r"(?:法|条例|办法|规定|细则|通知|意见|方案|规划|标准|规范|规程|通告|公告|决定|批复|纲要|指南|"
    r"目录|制度|政策|解释|守则|准则|要点|计划|规则|措施|决议|令)$"
)
_DOC_NO = re.compile(
    r"[〔\[［【(（]\s*(?:19|20)\d\d\s*[〕\]］】)）]\s*第?\s*\d{1,4}\s*号|(?:19|20)\d\d年第\d{1,4}号"
)
_ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇两\d]{1,6}[条款项]")
_BASIS = re.compile(
    r"(?:根据|按照|依据|依照|依法|参照|遵照|按|依)[^。；！？]{0,40}?"
    r"(?:规定|条例|办法|政策|文件|通知|标准|规范|法律|法规|要求|精神|细则|法》|意见》|程序)"
)
_POLICY_WORD = re.compile(r"政策|规定|条例|办法|法律|法规|规章|细则|标准")

_EXCERPT_CHARS = 24
# Words per document assumed when turning general word frequencies into IDF values.
_GENERAL_DOC_WORDS = 100
_SLOT = re.compile(r"\{\w+\}")


# --- parameters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """Weights, weak thresholds and knobs of the scores (see the module docstring)."""

    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "relevance": 0.35,
            "completeness": 0.35,
            "interpretability": 0.15,
            "timeliness": 0.15,
        }
    )
    weak: Mapping[str, float] = field(
        default_factory=lambda: {"overall": 0.4, "relevance": 0.2, "completeness": 0.25}
    )
    key_terms: int = 10
    relevance_full: float = 0.6
    max_points: int = 6
    point_terms: int = 4
    point_cover: float = 1 / 3

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(SUB_SCORES)
        if unknown:
            raise ValueError(f"Unknown reply-quality weights: {', '.join(sorted(unknown))}")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("Reply-quality weights must be non-negative, not all zero.")
        unknown = set(self.weak) - set(WEAK_KEYS)
        if unknown:
            raise ValueError(f"Unknown reply-quality weak thresholds: {', '.join(sorted(unknown))}")
        if not 0 < self.relevance_full <= 1 or not 0 < self.point_cover <= 1:
            raise ValueError("relevance_full and point_cover must lie in (0, 1].")

    def cache_key(self) -> tuple[Any, ...]:
        return (
            tuple(sorted(self.weights.items())),
            tuple(sorted(self.weak.items())),
            self.key_terms,
            self.relevance_full,
            self.max_points,
            self.point_terms,
            self.point_cover,
        )

    def with_overrides(
        self,
        *,
        weights: Mapping[str, float] | None = None,
        weak: Mapping[str, float] | None = None,
    ) -> Params:
        """These parameters with some weights or thresholds replaced (the others kept)."""
        return replace(
            self,
            weights={**self.weights, **(weights or {})},
            weak={**self.weak, **(weak or {})},
        )


def parse_pairs(text: str) -> dict[str, float]:
    """``"relevance=0.4, completeness=0.3"`` → ``{"relevance": 0.4, "completeness": 0.3}``."""
    pairs: dict[str, float] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"Expected name=value, got {item!r}")
        try:
            pairs[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"Not a number in {item!r}") from None
    return pairs


def params_from_env(environ: Mapping[str, str] | None = None) -> Params:
    """The default parameters overridden by ``WENZHENG_REPLY_QUALITY_WEIGHTS`` / ``…_WEAK``."""
    env = os.environ if environ is None else environ
    return Params().with_overrides(
        weights=parse_pairs(env.get(WEIGHTS_ENV, "")), weak=parse_pairs(env.get(WEAK_ENV, ""))
    )


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One shortcoming a reviewer can read: a code from :data:`REASON_CODES` and its details."""

    code: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, **self.detail}


@dataclass(frozen=True)
class ReplyScore:
    relevance: float
    completeness: float
    interpretability: float
    timeliness: float | None
    overall: float
    weak: bool
    # Which thresholds made it weak: keys of Params.weak ("overall", "relevance", …).
    weak_by: tuple[str, ...]
    reasons: tuple[Reason, ...]
    version: str = SCORER_VERSION

    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        return {
            "relevance": self.relevance,
            "completeness": self.completeness,
            "interpretability": self.interpretability,
            "timeliness": self.timeliness,
            "overall": self.overall,
            "weak": self.weak,
            "weak_by": list(self.weak_by),
            "reasons": [r.as_dict() for r in self.reasons],
            "version": self.version,
        }


# --- the IDF table -------------------------------------------------------------------------------


class IdfTable:
    """Smoothed inverse document frequencies ``ln((N + 1) / (df + 1)) + 1`` of a corpus, lowered
    to the general-language value for words ``general`` lists (see :func:`general_idf`)."""

    def __init__(
        self,
        document_frequency: Mapping[str, int],
        documents: int,
        general: Mapping[str, float] | None = None,
    ) -> None:
        self.documents = documents
        self._df = dict(document_frequency)
        self._general = general or {}
        self.unseen = math.log(documents + 1) + 1.0

    def __call__(self, term: str) -> float:
        df = self._df.get(term)
        value = self.unseen if df is None else math.log((self.documents + 1) / (df + 1)) + 1.0
        general = self._general.get(term)
        return value if general is None else min(value, general)

    def __len__(self) -> int:
        return len(self._df)


def idf_from_texts(texts: Iterable[str], *, general: bool = False) -> IdfTable:
    """An IDF table with each text as one document (content terms of :func:`tokenize`);
    with ``general``, lowered by the general-language frequencies (:func:`general_idf`)."""
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update(set(_content_terms(text)))
    table = IdfTable(df, n)
    if general:
        table = IdfTable(df, n, general_idf(cap=table.unseen))
    return table


def _jieba_dictionary() -> Path | None:
    """jieba's own word-frequency dictionary, found without importing jieba (None if absent)."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "dict.txt"
    return path if path.is_file() else None


def general_idf(*, cap: float, path: Path | None = None) -> dict[str, float]:
    """General-language IDF estimates from a jieba-format frequency dictionary (``word freq
    tag`` lines; by default the one shipped with jieba, from a general Chinese corpus).

    A word of frequency ``f`` among ``F`` word occurrences, in documents of ``L`` = 100 words,
    has ``idf ≈ ln(F / (f · L)) + 1``. Only words under ``cap`` are kept (the frequent ones,
    ~3,000 of them): the others would not lower anything. Reading the file takes ~0.8 s.
    """
    path = path or _jieba_dictionary()
    if path is None:
        return {}
    entries: list[tuple[str, int]] = []
    total = 0
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split(" ", 2)
            if len(parts) < 2 or not parts[1].strip().isdigit():
                continue
            freq = int(parts[1])
            total += freq
            if len(parts[0]) > 1:
                entries.append((parts[0], freq))
    if not total:
        return {}
    table: dict[str, float] = {}
    for word, freq in entries:
        value = math.log(total / (freq * _GENERAL_DOC_WORDS)) + 1.0 if freq else cap
        if value < cap:
            table[_normalize_word(word)] = max(1.0, value)
    return table


def _template_strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _template_strings(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            # Comments, and the slot values (names of places, amounts), are not documents.
            if key not in ("_comment", "slots", "kinds", "weight"):
                yield from _template_strings(value)


def _demo_corpus(path: Path = _TEMPLATES_FILE) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    texts = (_SLOT.sub(" ", text) for text in _template_strings(data))
    return [text for text in texts if text.strip()]


_LOCK = threading.Lock()
# By the tokenizer's user dictionaries: the table is built with the tokens they give.
_DEFAULT_IDF: dict[tuple[Path, ...], IdfTable] = {}
_DEFAULT_SCORERS: dict[tuple[Any, ...], ReplyScorer] = {}


def default_idf() -> IdfTable:
    """The IDF table of the demo corpus for the tokenizer's current user dictionaries (built on
    first use, then kept)."""
    from classifier.tokenizer import user_dict_paths

    key = tuple(user_dict_paths())
    with _LOCK:
        table = _DEFAULT_IDF.get(key)
        if table is None:
            table = _DEFAULT_IDF[key] = idf_from_texts(_demo_corpus(), general=True)
        return table


# --- text helpers --------------------------------------------------------------------------------


def _tokenize(text: str) -> list[str]:
    from classifier.tokenizer import tokenize

    return tokenize(text)


def _normalize_word(word: str) -> str:
    from classifier.tokenizer import normalize

    return normalize(word)


def _normalize(text: str) -> str:
    from classifier.tokenizer import normalize

    return normalize(text)


def _is_content(token: str) -> bool:
    if token in STOPWORDS or not _CJK.search(token) and not token.isalpha():
        return False
    return len(token) > 1 or token in _KEEP_SINGLE


def _content_terms(text: str) -> list[str]:
    return [t for t in _tokenize(text) if _is_content(t)]


def _excerpt(sentence: str) -> str:
    sentence = sentence.strip()
    if len(sentence) <= _EXCERPT_CHARS:
        return sentence
    return sentence[:_EXCERPT_CHARS] + "…"


def _points(subject: str, body: str, limit: int) -> list[str]:
    """The clauses of the message that ask or demand something, at most ``limit``; a clause with
    fewer than two specific terms comes with its neighbours, unless it is a plain demand to act.
    Without any, the subject."""
    points: list[str] = []
    for sentence in _SENTENCE.findall(body):
        clauses = [c.strip() for c in _CLAUSE_SPLIT.split(sentence) if c.strip()]
        for index, clause in enumerate(clauses):
            if _POINT_MARKERS.search(clause):
                terms = _content_terms(clause)
                specific = [t for t in terms if t not in _GENERIC_DEMAND]
                # "请尽快维修" stays alone (answered by saying what was done); "这合理吗" needs
                # the clauses around it to say what it is about.
                if len(specific) < 2 and not (terms and not specific):
                    clause = "，".join(clauses[max(0, index - 1) : index + 2])
                points.append(clause)
                break
        if len(points) >= limit:
            break
    if not points:
        return [subject.strip()] if subject.strip() else []
    return points


def _coverage(term: str, text: str) -> float:
    """1 if ``term`` occurs in ``text``; ½ if a two-character part of a longer term does."""
    if term in text:
        return 1.0
    if len(term) > 2 and any(term[i : i + 2] in text for i in range(len(term) - 1)):
        return 0.5
    return 0.0


def working_days_between(start: Any, end: Any, is_workday: Callable[[Any], bool]) -> float:
    """Working days from ``start`` to ``end`` (datetimes), as the mailbox counts them.

    The day of ``start`` is not counted; each whole working day after it counts 1, and the day of
    ``end`` counts the fraction of it that has passed (if it is a working day). Same day: 0.
    """
    import datetime as dt

    first, last = start.date(), end.date()
    if last <= first:
        return 0.0
    days = 0.0
    current = first + dt.timedelta(days=1)
    while current < last:
        if is_workday(current):
            days += 1
        current += dt.timedelta(days=1)
    if is_workday(last):
        midnight = dt.datetime.combine(last, dt.time.min, tzinfo=end.tzinfo)
        days += (end - midnight).total_seconds() / 86400
    return days


# --- the scorer ----------------------------------------------------------------------------------


def _r(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 3)


@dataclass
class _Analysis:
    """What one reply's sub-scores were computed from (kept for the reasons)."""

    key_terms: list[tuple[str, float]]
    covered: dict[str, float]
    points: list[str]
    missed_points: list[str]
    done: bool
    next_step: bool
    contact: bool
    named: bool
    article: bool
    basis: bool
    policy_word: bool


class ReplyScorer:
    """Scores replies with fixed parameters and IDF table (the table loads on first use)."""

    def __init__(self, params: Params | None = None, idf: IdfTable | None = None) -> None:
        self.params = params or Params()
        self._idf = idf

    @property
    def idf(self) -> IdfTable:
        """The table given, or the demo-corpus table of the tokenizer's current dictionaries."""
        return self._idf if self._idf is not None else default_idf()

    def score(
        self,
        *,
        subject: str,
        body: str,
        reply: str,
        days_used: float | None = None,
        days_allowed: float | None = None,
    ) -> ReplyScore:
        """Score ``reply`` to the message (``subject`` + ``body``); days for timeliness."""
        p = self.params
        reply_text = _normalize(reply)
        a = self._analyse(subject, body, reply, reply_text, self.idf)

        total = sum(w for _t, w in a.key_terms)
        covered_w = sum(w * a.covered.get(t, 0.0) for t, w in a.key_terms)
        coverage = covered_w / total if total else 0.0
        relevance = _r(coverage / p.relevance_full)

        points_share = (len(a.points) - len(a.missed_points)) / len(a.points) if a.points else 1.0
        completeness = _r(0.4 * points_share + 0.2 * a.done + 0.2 * a.next_step + 0.2 * a.contact)
        interpretability = _r(0.6 * a.named + 0.2 * a.article + 0.3 * a.basis + 0.1 * a.policy_word)
        timeliness: float | None = None
        if days_used is not None and days_allowed is not None and days_allowed > 0:
            over = max(0.0, days_used - days_allowed)
            timeliness = _r(1 - over / days_allowed)

        scores = {
            "relevance": relevance,
            "completeness": completeness,
            "interpretability": interpretability,
            "timeliness": timeliness,
        }
        known = {k: v for k, v in scores.items() if v is not None}
        weight = sum(p.weights.get(k, 0.0) for k in known)
        overall = (
            _r(sum(p.weights.get(k, 0.0) * v for k, v in known.items()) / weight) if weight else 0.0
        )
        values = {**known, "overall": overall}
        weak_by = tuple(
            key
            for key in WEAK_KEYS
            if key in values and key in p.weak and p.weak[key] >= 0 and values[key] < p.weak[key]
        )

        reasons: list[Reason] = []
        if relevance < 0.5:
            missing = [t for t, _w in a.key_terms if not a.covered.get(t)][:5]
            reasons.append(Reason("low_relevance", {"missing_terms": missing}))
        if a.missed_points:
            reasons.append(
                Reason(
                    "points_missed",
                    {
                        "points": a.missed_points,
                        "missed": len(a.missed_points),
                        "total": len(a.points),
                    },
                )
            )
        if not a.done:
            reasons.append(Reason("no_action"))
        if not a.next_step:
            reasons.append(Reason("no_next_step"))
        if not a.contact:
            reasons.append(Reason("no_contact"))
        if interpretability == 0:
            reasons.append(Reason("no_policy"))
        elif not a.named:
            reasons.append(Reason("policy_unnamed"))
        if timeliness is not None and timeliness < 1:
            reasons.append(
                Reason(
                    "late",
                    {"days_used": round(days_used or 0.0, 1), "days_allowed": days_allowed},
                )
            )
        return ReplyScore(
            relevance=relevance,
            completeness=completeness,
            interpretability=interpretability,
            timeliness=timeliness,
            overall=overall,
            weak=bool(weak_by),
            weak_by=weak_by,
            reasons=tuple(reasons),
        )

    def _key_terms(self, subject: str, body: str, idf: IdfTable) -> list[tuple[str, float]]:
        tf: Counter[str] = Counter(_content_terms(body))
        for term in _content_terms(subject):
            tf[term] += 2
        weighted = [(t, (1 + math.log(n)) * idf(t)) for t, n in tf.items()]
        weighted.sort(key=lambda item: (-item[1], item[0]))
        return [(t, idf(t)) for t, _w in weighted[: self.params.key_terms]]

    def _analyse(
        self, subject: str, body: str, reply: str, reply_text: str, idf: IdfTable
    ) -> _Analysis:
        p = self.params
        key_terms = self._key_terms(subject, body, idf)
        covered = {t: _coverage(t, reply_text) for t, _w in key_terms}
        done = bool(_DONE.search(reply))
        points = _points(subject, body, p.max_points)
        missed: list[str] = []
        for point in points:
            terms = sorted(
                {t for t in _content_terms(point) if t not in _GENERIC_DEMAND},
                key=lambda t: (-idf(t), t),
            )[: p.point_terms]
            if not terms:
                if not done:
                    missed.append(_excerpt(point))
                continue
            mass = sum(idf(t) for t in terms)
            hit = sum(idf(t) * _coverage(t, reply_text) for t in terms)
            if hit / mass < p.point_cover:
                missed.append(_excerpt(point))
        titles = [_TITLE_TAIL.sub("", m.strip()) for m in _TITLE.findall(reply)]
        named = any(_POLICY_TITLE_END.search(t) for t in titles) or bool(_DOC_NO.search(reply))
        return _Analysis(
            key_terms=key_terms,
            covered=covered,
            points=points,
            missed_points=missed,
            done=done,
            next_step=bool(_NEXT.search(reply)),
            contact=bool(_PHONE.search(reply) or _CONTACT_WORDS.search(reply)),
            named=named,
            article=bool(_ARTICLE.search(reply)),
            basis=bool(_BASIS.search(reply)),
            policy_word=bool(_POLICY_WORD.search(reply)),
        )


def default_scorer(params: Params | None = None) -> ReplyScorer:
    """A scorer with the demo-corpus IDF table, one per set of parameters (kept)."""
    params = params or Params()
    key = params.cache_key()
    with _LOCK:
        scorer = _DEFAULT_SCORERS.get(key)
        if scorer is None:
            scorer = _DEFAULT_SCORERS[key] = ReplyScorer(params)
        return scorer


def score_reply(
    *,
    subject: str,
    body: str,
    reply: str,
    days_used: float | None = None,
    days_allowed: float | None = None,
    params: Params | None = None,
) -> ReplyScore:
    """Score one reply with the default IDF table (see :class:`ReplyScorer.score`)."""
    return default_scorer(params).score(
        subject=subject, body=body, reply=reply, days_used=days_used, days_allowed=days_allowed
    )

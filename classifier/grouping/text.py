"""What a message says, as weighted words for grouping (plain Python, no Django).

Words come from the project tokenizer (`classifier.tokenizer.token_bags`: the tokens of
`tokenize`, rjieba or jieba with the user dictionaries, not in order). Kept: words of two
characters or more that are not numbers and not in `STOPWORDS` (greetings, address forms and
the words every complaint uses: 希望, 问题, 反映 …); inverse document frequency does the rest.
Words of the subject count `SUBJECT_WEIGHT` times: the subject names the problem more often
than any sentence of the body.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from classifier.tokenizer import normalize, token_bags

__all__ = ["STOPWORDS", "SUBJECT_WEIGHT", "content_words", "term_weights"]

SUBJECT_WEIGHT = 2
MAX_CHARS = 5000

_NUMBERISH = re.compile(r"^(?:<n\d+>|[\d.\-_/:]+)$")
# Anonymised districts of the real data ("A2区丽发新城"): cut after them, or the engine reads
# "区丽发" as one word and every message of the district shares it.
_CODED_DISTRICT = re.compile(r"((?<![0-9A-Za-z])[A-Za-z]\d{0,2}[市区县省])")

STOPWORDS = frozenset(
    [
        "您好",
        "你好",
        "尊敬",
        "领导",
        "市长",
        "书记",
        "局长",
        "主任",
        "同志",
        "政府",
        "部门",
        "相关",
        "有关",
        "单位",
        "工作人员",
        "谢谢",
        "感谢",
        "希望",
        "请问",
        "问题",
        "反映",
        "反应",
        "投诉",
        "举报",
        "咨询",
        "建议",
        "请求",
        "恳请",
        "要求",
        "关于",
        "情况",
        "事情",
        "目前",
        "现在",
        "一直",
        "已经",
        "还是",
        "还有",
        "就是",
        "不是",
        "没有",
        "可以",
        "可能",
        "应该",
        "需要",
        "能够",
        "如何",
        "怎么",
        "为什么",
        "为何",
        "什么",
        "这个",
        "那个",
        "这样",
        "那样",
        "这些",
        "那些",
        "我们",
        "你们",
        "他们",
        "她们",
        "自己",
        "大家",
        "本人",
        "我家",
        "一个",
        "一些",
        "多次",
        "很多",
        "非常",
        "特别",
        "严重",
        "因为",
        "所以",
        "但是",
        "而且",
        "并且",
        "如果",
        "虽然",
        "然后",
        "以及",
        "或者",
        "还是",
        "进行",
        "出现",
        "造成",
        "导致",
        "得到",
        "解决",
        "处理",
        "答复",
        "回复",
        "给予",
        "尽快",
        "及时",
        "这里",
        "那里",
        "时候",
        "之前",
        "之后",
        "以后",
        "以前",
        "今年",
        "去年",
        "明年",
        "每天",
        "现象",
        "方面",
        "问政",
        "留言",
        "市民",
        "百姓",
        "老百姓",
        "群众",
        "居民",
        "业主",
        "广大",
        "一下",
        "一样",
        "一定",
        "不能",
        "不会",
        "不要",
        "知道",
        "觉得",
        "认为",
        "看到",
        "发现",
        "表示",
        "告知",
        "说明",
        "是否",
        "到底",
        "究竟",
        "何时",
        "哪里",
        "时间",
        "今天",
        "昨天",
        "这种",
        "这么",
        "那么",
        "多少",
        "其中",
        "另外",
        "同时",
        "包括",
        "所有",
        "任何",
        "其他",
        "其它",
        "等等",
        "根据",
        "按照",
        "通过",
        "对于",
        "由于",
        "为了",
    ]
)


def content_words(subject: str, body: str) -> Counter[str]:
    """Counts of the words of a message that can tell one problem from another."""
    counts: Counter[str] = Counter()
    texts = [normalize(_CODED_DISTRICT.sub(r"\1，", t[:MAX_CHARS])) for t in (subject, body)]
    # The tokenizer's bag-of-words path: the same tokens as `tokenize`, not in order, faster.
    for weight, tokens in zip((SUBJECT_WEIGHT, 1), token_bags(texts), strict=True):
        for token in tokens:
            if len(token) < 2 or token in STOPWORDS or _NUMBERISH.match(token):
                continue
            counts[token] += weight
    return counts


def term_weights(
    counts: Counter[str], *, max_terms: int, idf: Callable[[str], float] | None = None
) -> dict[str, float]:
    """Sublinear tf (1 + ln n), L2-normalised; only the `max_terms` strongest words are kept
    (strength: tf × idf when an idf function is given, else tf)."""
    tf = {t: 1.0 + math.log(n) for t, n in counts.items() if n > 0}
    if len(tf) > max_terms:
        weight = idf or (lambda _t: 1.0)
        ranked = sorted(tf, key=lambda t: (-tf[t] * weight(t), t))
        tf = {t: tf[t] for t in ranked[:max_terms]}
    norm = math.sqrt(sum(v * v for v in tf.values()))
    return {t: v / norm for t, v in tf.items()} if norm else {}

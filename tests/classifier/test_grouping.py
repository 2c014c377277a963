"""The grouping engine: words, places, resemblance, incremental = full regrouping, the window."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from classifier.grouping import (
    Gazetteer,
    GroupingEngine,
    GroupingParams,
    Message,
    extract_places,
    places_match,
    regroup,
)
from classifier.grouping.places import core_of
from classifier.grouping.text import content_words
from classifier.tokenizer import normalize

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

# Hand-written messages (not real ones): four problems, each at its own place, written several
# times by different people, and messages about other things.
CORPUS = [
    (
        "翠湖花园旁搅拌站噪音扰民",
        "翠湖花园小区旁边新建了一个混凝土搅拌站，每天晚上机器轰鸣，粉尘很大，居民无法休息。",
    ),
    (
        "青石路路灯不亮",
        "青石路从学府街到北环大道这一段路灯已经坏了半个月，晚上一片漆黑，行人很危险。",
    ),
    (
        "投诉翠湖花园附近搅拌站",
        "翠湖花园附近的搅拌站日夜施工，噪音和灰尘严重影响小区居民生活，请环保部门查处。",
    ),
    ("咨询公积金贷款额度", "请问今年公积金贷款的最高额度是多少，夫妻双方都缴存可以贷多少？"),
    (
        "翠湖花园搅拌站粉尘太大",
        "我家住翠湖花园，旁边的搅拌站粉尘太大，窗户都不敢开，孩子咳嗽不止，希望尽快搬走搅拌站。",
    ),
    (
        "柳林村自来水浑浊",
        "柳林村三组的自来水最近很浑浊，有一股异味，村民不敢饮用，请水务部门检测。",
    ),
    (
        "青石路晚上没有路灯",
        "青石路的路灯好多天不亮了，学府街路口尤其黑，电动车经常摔倒，请尽快修复路灯。",
    ),
    (
        "柳林村饮用水有异味",
        "柳林村的自来水发黄有异味，已经一个多星期了，村民只能买水喝，请尽快解决饮水问题。",
    ),
    (
        "金桂苑电梯经常故障",
        "金桂苑小区5栋电梯经常故障，上周还困了人，物业一直不修，请主管部门督促。",
    ),
    ("青石路路灯坏了没人修", "青石路路灯坏了很久，晚上出行很不安全，希望路灯管理处派人检修。"),
    (
        "金桂苑电梯又坏了",
        "金桂苑5栋的电梯又坏了，老人上下楼非常困难，物业说没有钱维修，请有关部门协调。",
    ),
    ("建议增开公交线路", "建议在开发区增开一条到火车站的公交线路，现在上班要换乘三次。"),
    ("柳林村自来水问题", "柳林村的自来水浑浊发黄，村民反映多次，水厂一直没有处理，请领导关注。"),
    (
        "金桂苑物业不修电梯",
        "金桂苑电梯坏了物业不修，业主多次投诉无果，请住建部门督促物业维修电梯。",
    ),
]
TRUTH = {0: "mix", 2: "mix", 4: "mix", 1: "lamp", 6: "lamp", 9: "lamp", 5: "water", 7: "water",
         12: "water", 8: "lift", 10: "lift", 13: "lift"}  # fmt: skip


def messages(days_apart: float = 1.0) -> list[Message]:
    return [
        Message(id=i + 1, subject=s, body=b, at=T0 + dt.timedelta(days=i * days_apart))
        for i, (s, b) in enumerate(CORPUS)
    ]


def partition(engine: GroupingEngine) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for message_id, key in engine.group_of.items():
        groups.setdefault(key, set()).add(message_id)
    return {frozenset(v) for v in groups.values()}


def expected() -> set[frozenset[int]]:
    groups: dict[str, set[int]] = {}
    for index in range(len(CORPUS)):
        groups.setdefault(TRUTH.get(index, f"single{index}"), set()).add(index + 1)
    return {frozenset(v) for v in groups.values()}


# --- words ---------------------------------------------------------------------------------------


def test_content_words_drop_stopwords_numbers_and_count_the_subject_twice() -> None:
    words = content_words("青石路的路灯坏了", "希望尽快修复路灯，已经坏了15天，问题很严重。")
    assert words["路灯"] == 3  # twice from the subject, once from the body
    assert "希望" not in words
    assert "问题" not in words
    assert "严重" not in words
    assert not any(w.isdigit() for w in words)


def test_content_words_cut_after_an_anonymised_district() -> None:
    # "A2区丽发新城" must not give the word "区丽发" that every message of the district shares.
    words = content_words("", "A2区丽发新城附近搅拌站噪音扰民")
    assert not any(w.startswith("区") for w in words)


# --- places -------------------------------------------------------------------------------------


def cores(text: str, **kwargs: object) -> list[str]:
    return [p.core for p in extract_places(normalize(text), **kwargs) if p.fine]  # type: ignore[arg-type]


def test_places_found_by_suffix_with_the_start_of_the_name_guessed() -> None:
    found = cores("我是暮云街道丽发新城小区的业主，小区旁边就是云塘路。")
    assert "丽发新城" in found
    assert "云塘路" in found
    assert "暮云街道" in found


def test_places_ignore_common_words_and_verbs() -> None:
    found = cores("开发商老板跑路了，道路坑洼，我们小区和整个城市都受影响，市政府请重视。")
    assert found == []


def test_village_groups_need_their_village() -> None:
    assert "柳林村三组" in cores("柳林村三组的自来水浑浊")
    assert cores("我们多次组织业主开会") == []


def test_coded_districts_are_coarse_places() -> None:
    places = extract_places(normalize("A市A5区劳动东路魅力之城小区油烟扰民"))
    coarse = {p.core for p in places if not p.fine}
    assert coarse == {"a市", "a5区"}
    assert {"劳动东路", "魅力之城"} <= {p.core for p in places if p.fine}


def test_gazetteer_names_are_found_exactly() -> None:
    gazetteer = Gazetteer(["锦绣家园", "青山区"])
    places = extract_places(normalize("锦绣家园门口的路"), gazetteer=gazetteer)
    assert places[0].core == "锦绣家园"


def test_core_drops_generic_tails() -> None:
    assert core_of("丽发新城小区") == "丽发新城"
    assert core_of("绿地海外滩二期") == "绿地海外滩"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("丽发新城", "丽发", True),  # containment
        ("伊景园滨河苑", "伊景园滨河院", True),  # a typo: bigrams overlap
        ("万科魅力之城", "魅力之城", True),
        ("翠湖花园", "金桂苑", False),
        ("青石路", "青山路", False),
    ],
)
def test_places_match(a: str, b: str, same: bool) -> None:
    assert places_match(a, b) is same


# --- grouping ------------------------------------------------------------------------------------


def test_messages_group_by_problem_and_place() -> None:
    engine, _assignments = regroup(messages())
    assert partition(engine) == expected()


def test_same_problem_at_another_place_is_another_group() -> None:
    engine = GroupingEngine()
    first = engine.add(Message(1, "翠湖花园旁搅拌站噪音扰民", CORPUS[0][1], T0))
    other = engine.add(
        Message(
            2,
            "金桂苑旁搅拌站噪音扰民",
            "金桂苑小区旁边新建了一个混凝土搅拌站，每天晚上机器轰鸣，粉尘很大，居民无法休息。",
            T0,
        )
    )
    assert other.created
    assert other.group_key != first.group_key


def test_another_problem_at_the_same_place_is_another_group() -> None:
    engine = GroupingEngine()
    engine.add(Message(1, CORPUS[8][0], CORPUS[8][1], T0))
    other = engine.add(
        Message(2, "金桂苑门口垃圾成堆", "金桂苑小区门口的垃圾好几天没人清运，臭气熏天。", T0)
    )
    assert other.created


def test_adding_one_by_one_gives_the_same_groups_as_regrouping() -> None:
    one_by_one = GroupingEngine()
    assignments = [one_by_one.add(m) for m in messages()]
    full, _ = regroup(messages())
    assert partition(one_by_one) == partition(full)
    assert one_by_one.group_of == full.group_of
    assert [a.group_key for a in assignments] == [full.group_of[m.id] for m in messages()]


def test_a_warm_start_from_stored_groups_continues_like_an_unbroken_run() -> None:
    unbroken, _ = regroup(messages())
    restarted = GroupingEngine()
    first, rest = messages()[:7], messages()[7:]
    for message in first:
        restarted.restore(message, unbroken.group_of[message.id])
    for message in rest:
        restarted.add(message)
    assert restarted.group_of == unbroken.group_of


def test_a_group_takes_no_message_after_its_window() -> None:
    params = GroupingParams(window_days=30)
    engine = GroupingEngine(params)
    first = engine.add(Message(1, CORPUS[1][0], CORPUS[1][1], T0))
    near = engine.add(Message(2, CORPUS[6][0], CORPUS[6][1], T0 + dt.timedelta(days=29)))
    late = engine.add(Message(3, CORPUS[9][0], CORPUS[9][1], T0 + dt.timedelta(days=60)))
    assert near.group_key == first.group_key
    assert late.created


def test_groups_far_past_the_window_leave_the_index_but_keep_their_summary() -> None:
    engine = GroupingEngine(GroupingParams(window_days=10))
    engine.add(Message(1, CORPUS[1][0], CORPUS[1][1], T0))
    engine.add(Message(2, CORPUS[6][0], CORPUS[6][1], T0))
    engine.add(Message(3, CORPUS[3][0], CORPUS[3][1], T0 + dt.timedelta(days=30)))
    assert 1 not in engine.groups
    assert engine.retired[1].size == 2
    assert engine.partition() == {1: [1, 2]}


def test_a_message_that_bridges_two_groups_merges_them_into_the_older() -> None:
    engine = GroupingEngine(GroupingParams(threshold=0.99, merge_threshold=0.99))
    a = engine.add(Message(1, CORPUS[1][0], CORPUS[1][1], T0))
    b = engine.add(Message(2, CORPUS[6][0], CORPUS[6][1], T0))
    assert b.created  # nothing joins at 0.99
    engine.params = GroupingParams(threshold=0.3, merge_threshold=0.3)
    bridge = engine.add(Message(3, CORPUS[9][0], CORPUS[9][1], T0))
    assert bridge.group_key == a.group_key == 1
    assert bridge.merged == (2,)
    assert engine.members(1) == [1, 2, 3]


def test_a_pinned_group_is_never_merged_away() -> None:
    engine = GroupingEngine(GroupingParams(threshold=0.99, merge_threshold=0.99))
    engine.add(Message(1, CORPUS[1][0], CORPUS[1][1], T0))
    engine.add(Message(2, CORPUS[6][0], CORPUS[6][1], T0))
    engine.pinned = {2}
    engine.params = GroupingParams(threshold=0.3, merge_threshold=0.3)
    bridge = engine.add(Message(3, CORPUS[9][0], CORPUS[9][1], T0))
    assert bridge.group_key == 2
    assert bridge.merged == (1,)


def test_summary_names_place_words_and_a_typical_member() -> None:
    engine, _ = regroup(messages())
    summary = engine.summary(engine.group_of[1])
    assert summary.size == 3
    assert "翠湖花园" in summary.place
    assert "搅拌站" in summary.terms
    assert summary.representative_id in (1, 3, 5)


def _terms_as_first_written(engine: GroupingEngine, key: int, terms: int = 5) -> list[str]:
    """The summary's words by the original rule: the first terms + places + 5 by weight, less
    those inside a place name."""
    group, idf = engine.groups[key], engine.idf
    cores = set(group.places)
    ranked = sorted(group.sums, key=lambda w: (-group.sums[w] * idf(w), w))
    ranked = ranked[: terms + len(cores) + 5]
    return [w for w in ranked if not any(w in core for core in cores)][:terms]


@pytest.mark.parametrize("extra_places", [0, 3, 40])
def test_summary_words_follow_the_rule_however_many_places_hold_them(extra_places: int) -> None:
    engine, _ = regroup(messages())
    key = engine.group_of[1]
    group = engine.groups[key]
    # Place names that swallow the heaviest words: more of them than the first candidates.
    heaviest = sorted(group.sums, key=lambda w: (-group.sums[w] * engine.idf(w), w))
    for n, word in enumerate(heaviest[:extra_places]):
        group.places[f"{word}{n}号院"] += 1
    expected = _terms_as_first_written(engine, key)
    summary = engine.summary(key)
    assert list(summary.terms) == expected
    assert not any(w in core for w in summary.terms for core in group.places)


def test_index_lookups_stay_small() -> None:
    # Sub-linear: a message is scored exactly against at most `max_candidates` groups.
    engine = GroupingEngine(GroupingParams(max_candidates=3))
    for m in messages():
        engine.add(m)
    features = engine.featurize(Message(99, CORPUS[2][0], CORPUS[2][1], T0))
    scored = engine._scores(features, engine._weights(features))
    assert 1 <= len(scored) <= 3


def test_similarity_of_two_members() -> None:
    engine, _ = regroup(messages())
    assert engine.similarity(1, 3) > 0.1
    assert engine.similarity(1, 2) == 0.0  # not in the same group


def test_counts_stay_counts() -> None:
    assert isinstance(content_words("a", "b"), Counter)

"""The reply-quality scorer on hand-written messages and replies (written for these tests)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from classifier import reply_quality as rq
from classifier import tokenizer

SUBJECT = "青石路幸福里小区门口路灯不亮"
BODY = (
    "幸福里小区门口青石路上的路灯已经坏了两个多月，晚上一片漆黑，老人出门很容易摔倒。"
    "请问路灯什么时候能修好？希望有关部门尽快维修。"
)
GOOD = (
    "您好，您反映的青石路幸福里小区门口路灯不亮的问题已收悉。经现场核查，该路段三盏路灯因电缆"
    "老化损坏。根据《青川市城市照明管理办法》第十二条规定，道路照明设施由市政部门负责维护。"
    "我局已于5月8日更换电缆，路灯已修好并恢复照明。下一步我们将加强夜间巡查，发现问题及时维修。"
    "如有疑问请致电市政服务热线0731-84561234。"
)
ACKNOWLEDGED = "您好，您的留言已收到，谢谢。"
OFF_TOPIC = (
    "您好，经调查，本市公园绿地管理工作总体良好，我局将持续开展园林养护，根据相关规定依法管理。"
    "联系电话：0731-84561234。"
)
POINTS = ["请问路灯什么时候能修好？", "希望有关部门尽快维修。"]


@pytest.fixture(autouse=True, scope="module")
def _project_dictionary() -> Iterator[None]:
    """The tokenizer with the project dictionary only, whatever other tests configured."""
    before = tokenizer.user_dict_paths()
    tokenizer.configure([tokenizer.DEFAULT_USER_DICT])
    yield
    tokenizer.configure(before)


# The background corpus of these tests (the shipped table comes from the demo city's templates,
# which change with the demo; these numbers must not).
BACKGROUND = [
    "您好，您反映的小区物业问题已收悉，我们将尽快核实处理。",
    "小区门口道路破损，请有关部门维修。",
    "经现场核查，该路段路灯损坏，已安排维修。",
    "请问小区停车费怎么收取？",
    "我局已责令物业公司整改，如有疑问请致电。",
    "小区噪音扰民，晚上无法休息。",
    "希望有关部门加强管理，谢谢。",
    "感谢您对我们工作的支持。",
]


def scorer(params: rq.Params | None = None) -> rq.ReplyScorer:
    return rq.ReplyScorer(params, idf=rq.idf_from_texts(BACKGROUND, general=True))


def score(reply: str, **days: float) -> rq.ReplyScore:
    return scorer().score(subject=SUBJECT, body=BODY, reply=reply, **days)


def test_good_reply_with_policy_contact_and_next_step_scores_full_marks() -> None:
    result = score(GOOD, days_used=2.5, days_allowed=3)
    assert (
        result.relevance,
        result.completeness,
        result.interpretability,
        result.timeliness,
        result.overall,
    ) == (1.0, 1.0, 1.0, 1.0, 1.0)
    assert result.weak is False
    assert result.weak_by == ()
    assert result.reasons == ()
    assert result.version == rq.SCORER_VERSION


def test_an_acknowledgement_only_is_weak_with_every_reason() -> None:
    result = score(ACKNOWLEDGED, days_used=1.0, days_allowed=3)
    assert (result.relevance, result.completeness, result.interpretability) == (0.0, 0.0, 0.0)
    assert result.timeliness == 1.0
    # Only timeliness counts: 0.15 / 1.0 of the weights.
    assert result.overall == 0.15
    assert result.weak is True
    assert result.weak_by == ("overall", "relevance", "completeness")
    assert [r.as_dict() for r in result.reasons] == [
        {"code": "low_relevance", "missing_terms": ["幸福", "青石路", "灯不亮", "路", "门口"]},
        {"code": "points_missed", "points": POINTS, "missed": 2, "total": 2},
        {"code": "no_action"},
        {"code": "no_next_step"},
        {"code": "no_contact"},
        {"code": "no_policy"},
    ]


def test_a_bare_yi_shou_dao_is_as_weak() -> None:
    result = score("已收到")
    assert result.overall == 0.0  # no timeliness known: the other three weigh alone
    assert result.weak_by == ("overall", "relevance", "completeness")
    assert result.timeliness is None


def test_an_off_topic_reply_is_weak_however_complete_it_looks() -> None:
    result = score(OFF_TOPIC, days_used=1.0, days_allowed=3)
    assert result.relevance == 0.0
    # The generic demand is answered by "经调查" (0.2 of the 0.4), not the question about when.
    assert result.completeness == 0.8
    assert result.interpretability == 0.4  # "根据相关规定": a basis phrase, no document named
    assert result.overall == 0.49
    assert result.weak is True
    assert result.weak_by == ("relevance",)
    assert result.reason_codes() == ["low_relevance", "points_missed", "policy_unnamed"]
    assert result.reasons[1].detail == {"points": POINTS[:1], "missed": 1, "total": 2}


def test_late_reply_loses_timeliness_in_proportion_to_the_overrun() -> None:
    result = score(GOOD, days_used=4.5, days_allowed=3)
    assert result.timeliness == 0.5
    assert result.overall == 0.925  # 0.85 · 1 + 0.15 · 0.5
    assert [r.as_dict() for r in result.reasons] == [
        {"code": "late", "days_used": 4.5, "days_allowed": 3}
    ]
    assert score(GOOD, days_used=6.5, days_allowed=3).timeliness == 0.0


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("按照《城市道路管理条例》第三十条执行。", 1.0),
        ("依据青政发〔2019〕12号文件办理。", 0.9),
        ("根据《关于加强路灯管理的通知》。", 0.9),
        ("详见《关于加强路灯管理的通知》。", 0.6),
        ("根据相关规定办理。", 0.4),
        ("这是政策。", 0.1),
        ("详见《问政青川》栏目。", 0.0),
        ("已办理。", 0.0),
    ],
)
def test_interpretability_counts_named_documents_articles_and_basis(
    reply: str, expected: float
) -> None:
    assert score(reply).interpretability == expected


@pytest.mark.parametrize(
    ("text", "has_contact"),
    [
        ("请拨打0731-84561234咨询", True),
        ("联系人：王科长", True),
        ("请致电12345热线", True),
        ("可与社区居委会联系", True),
        ("网友“UU0012345”您好", False),
        ("感谢您的监督", False),
    ],
)
def test_contact_is_a_phone_number_or_a_named_way_to_reach_us(text: str, has_contact: bool) -> None:
    assert ("no_contact" not in score(text).reason_codes()) is has_contact


@pytest.mark.parametrize(
    ("text", "next_step"),
    [
        ("下一步将加强巡查", True),
        ("预计月底前完成", True),
        ("我局将于下周组织维修", True),
        ("现将调查情况答复如下", False),
        ("已经修好了", False),
    ],
)
def test_next_step_is_not_fooled_by_the_reply_formula(text: str, next_step: bool) -> None:
    assert ("no_next_step" not in score(text).reason_codes()) is next_step


def test_what_was_done_excludes_a_mere_acknowledgement() -> None:
    assert "no_action" in score("您的留言已收悉。").reason_codes()
    assert "no_action" not in score("已安排人员维修。").reason_codes()


def test_relevance_weighs_key_terms_and_half_counts_part_of_a_long_term() -> None:
    # Every term weighs the same (an empty table): coverage is the share of key terms named.
    scorer = rq.ReplyScorer(idf=rq.IdfTable({}, 0))
    subject, body = (
        "东湖公园广场舞噪音扰民",
        "每天晚上东湖公园有人跳广场舞，音响声音太大，噪音扰民。",
    )
    full = scorer.score(subject=subject, body=body, reply="东湖公园广场舞音响声音过大属实。")
    assert full.relevance == 1.0  # 6 of 8 key terms: coverage 0.75 ≥ 0.6
    one = scorer.score(subject=subject, body=body, reply="公园管理处已整改。")
    assert one.relevance == 0.208  # 1/8 / 0.6
    half = scorer.score(subject=subject, body=body, reply="公园的噪音已处理。")
    assert half.relevance == 0.312  # (1 + ½ for 噪音 of 噪音扰民) / 8 / 0.6
    assert half.reasons[0].detail == {
        "missing_terms": ["东湖", "广场舞", "声音", "有人", "每天晚上"]
    }


def test_without_a_question_the_subject_is_the_one_point() -> None:
    scorer = rq.ReplyScorer(idf=rq.IdfTable({}, 0))
    result = scorer.score(
        subject="东湖公园广场舞噪音扰民",
        body="每天晚上东湖公园有人跳广场舞，音响声音太大。",
        reply="我们会研究。",
    )
    assert result.reasons[1].as_dict() == {
        "code": "points_missed",
        "points": ["东湖公园广场舞噪音扰民"],
        "missed": 1,
        "total": 1,
    }


def test_long_points_are_cut_to_excerpts() -> None:
    body = "请问" + "东湖公园晚上的广场舞音响" * 4 + "怎么管理？"
    result = scorer().score(subject="噪音", body=body, reply="您好。")
    (point,) = result.reasons[1].detail["points"]
    assert point == body[:24] + "…"


def test_weights_and_thresholds_are_parameters() -> None:
    params = rq.Params().with_overrides(
        weights={"timeliness": 0.0}, weak={"overall": 0.5, "relevance": -1, "completeness": -1}
    )
    result = scorer(params).score(
        subject=SUBJECT, body=BODY, reply=OFF_TOPIC, days_used=1, days_allowed=3
    )
    # Timeliness weighs nothing now: (0.35 · 0 + 0.35 · 0.8 + 0.15 · 0.4) / 0.85.
    assert result.overall == 0.4
    assert result.weak_by == ("overall",)


def test_parameters_come_from_the_environment() -> None:
    params = rq.params_from_env(
        {
            rq.WEIGHTS_ENV: "relevance=0.5, completeness=0.3",
            rq.WEAK_ENV: "overall=0.6,interpretability=0.2",
        }
    )
    assert params.weights == {
        "relevance": 0.5,
        "completeness": 0.3,
        "interpretability": 0.15,
        "timeliness": 0.15,
    }
    assert params.weak == {
        "overall": 0.6,
        "relevance": 0.2,
        "completeness": 0.25,
        "interpretability": 0.2,
    }
    assert rq.params_from_env({}) == rq.Params()


@pytest.mark.parametrize(
    ("weights", "weak", "message"),
    [
        ("speed=1", "", "Unknown reply-quality weights: speed"),
        ("", "tone=0.3", "Unknown reply-quality weak thresholds: tone"),
        ("relevance", "", "Expected name=value, got 'relevance'"),
        ("relevance=high", "", "Not a number in 'relevance=high'"),
        ("relevance=0,completeness=0,interpretability=0,timeliness=0", "", "not all zero"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_message(
    weights: str, weak: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        rq.params_from_env({rq.WEIGHTS_ENV: weights, rq.WEAK_ENV: weak})


def test_working_days_skip_weekends_and_holidays() -> None:
    import chinese_calendar

    def is_workday(day: dt.date) -> bool:
        return bool(chinese_calendar.is_workday(day))

    # Friday 2019-09-27 → Thursday 2019-10-10: the National Day week (Oct 1–7) is off and
    # Saturday 12 October is a make-up workday, not reached; Sept 29 (Sunday) is a make-up day.
    start = dt.datetime(2019, 9, 27, 9, 0)
    end = dt.datetime(2019, 10, 10, 12, 0)
    # Counted: Sept 29 (make-up), Sept 30, Oct 8, Oct 9 and half of Oct 10.
    assert rq.working_days_between(start, end, is_workday) == 4.5
    assert rq.working_days_between(start, start.replace(hour=17), is_workday) == 0.0


def test_idf_table_comes_from_the_demo_corpus_and_general_frequencies() -> None:
    idf = rq.default_idf()
    assert 300 <= idf.documents <= 1000  # the strings of message_templates.json
    # Words of every mailbox message weigh less than a place nobody wrote about.
    assert idf("小区") < idf("青石路") == idf.unseen
    # A common word the demo corpus never uses is lowered by the general frequencies.
    assert idf("方面") < idf.unseen


def test_importing_the_scorer_loads_nothing() -> None:
    code = (
        "import sys; import classifier.reply_quality as rq; "
        "print(rq._DEFAULT_IDF == {}, 'rjieba' in sys.modules, 'jieba' in sys.modules)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.split() == ["True", "False", "False"]

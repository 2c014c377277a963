"""Privacy masking: realistic positives, and the look-alikes that must stay untouched."""

from __future__ import annotations

import time

import pytest
from django.utils import translation

from backend.accounts.models import Role
from interaction.errors import NotAllowed, ValidationFailed
from interaction.models import CaseEvent
from interaction.privacy.masking import id_check_digit, is_valid_id_number, luhn_ok, mask
from interaction.privacy.models import MaskingRule
from interaction.privacy.selectors import masked_case_text
from interaction.privacy.services import masking_rule_add
from tests.factories import World, make_user, submit

VALID_ID = "430102199003071234"  # check digit 4
VALID_ID_X = "11010519491231002X"  # check character X
WRONG_CHECK_ID = "430102199003071235"
LUHN_CARD = "6222021234567890128"  # 19 digits, Luhn-valid
LUHN_CARD_16 = "6217000012345670"
NOT_LUHN_16 = "6217000012345671"


# --- validators ------------------------------------------------------------------------------


def test_id_check_digit_follows_iso_7064():
    assert id_check_digit("43010219900307123") == "4"
    assert id_check_digit("11010519491231002") == "X"
    assert is_valid_id_number(VALID_ID)
    assert is_valid_id_number(VALID_ID_X.lower())
    assert not is_valid_id_number(WRONG_CHECK_ID)


def test_luhn():
    assert luhn_ok(LUHN_CARD)
    assert luhn_ok(LUHN_CARD_16)
    assert not luhn_ok(NOT_LUHN_16)


# --- positives -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"我的身份证号是{VALID_ID}，请核实。", "我的身份证号是430***********1234，请核实。"),
        (f"身份证：{VALID_ID_X}", "身份证：110***********002X"),
        ("联系电话13812345678。", "联系电话138****5678。"),
        ("手机：+8613812345678", "手机：+86138****5678"),
        ("电话 138-1234-5678 或 139 8765 4321", "电话 138-****-5678 或 139 **** 4321"),
        ("办公室0731-88886666转", "办公室0731-******66转"),
        ("（0731）88886666", "（0731）******66"),
        ("座机073188886666", "座机0731******66"),
        (f"工资卡{LUHN_CARD}被冻结", "工资卡6222***********0128被冻结"),
        (f"卡号{LUHN_CARD_16}", "卡号6217********5670"),
        ("卡号 6217 0000 1234 5670 ", "卡号 6217 **** **** 5670 "),
        ("车牌湘A12345的车辆", "车牌湘A***45的车辆"),
        ("新能源车湘A·D12345乱停", "新能源车湘A·****45乱停"),
        ("请回复到zhang.san@example.com谢谢", "请回复到z***@example.com谢谢"),
        ("13812345678@qq.com", "1***@qq.com"),
    ],
)
def test_personal_data_is_masked_with_a_recognisable_shape(text: str, expected: str):
    assert mask(text) == expected


# --- negatives -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"编号{WRONG_CHECK_ID}不是身份证",  # 18 digits, wrong check digit
        "订单号123456789012345678",  # 18 digits, no valid date or check digit
        "2026-11-22 上午 9:30 施工",  # a date
        "20261122 前完成",  # a compact date
        "罚款¥1234.50，押金1200元",  # prices
        "工单261122ABCD23已受理",  # a tracking number: letters glued to digits
        "拨打12345热线",  # the hotline
        "流水号138123456789",  # 12 digits starting like a mobile: part of a longer number
        "号码1381234567",  # 10 digits: too short for a mobile
        "ABC13812345678",  # glued to letters
        f"卡号{NOT_LUHN_16}",  # 16 digits failing Luhn
        "门牌号12号楼3单元502室",  # address numbers
        "湘ABCDEF",  # no digit: not a plate
        "气温-3到12度，PM2.5为75",
    ],
)
def test_look_alikes_stay_untouched(text: str):
    assert mask(text) == text


# --- names -------------------------------------------------------------------------------------


def test_citizen_names_are_masked_in_full_and_with_honorifics():
    text = "张三反映，张先生多次来电，张女士陪同。李先生是物业经理。张家界旅游。"
    assert mask(text, names=["张三"]) == (
        "**反映，*先生多次来电，*女士陪同。李先生是物业经理。张家界旅游。"
    )


def test_a_name_given_as_surname_and_honorific_hides_those_forms_only():
    assert mask("张先生说一张纸也没有", names=["张先生"]) == "*先生说一张纸也没有"


def test_double_surnames_and_ascii_display_names():
    assert mask("欧阳娜娜和欧阳女士", names=["欧阳娜娜"]) == "***和*女士"
    assert mask("user zhang wrote; zhangjiajie is a place", names=["zhang"]) == (
        "user *** wrote; zhangjiajie is a place"
    )


def test_extra_rules_are_literal_text_unless_compiled_as_patterns():
    from interaction.privacy.masking import Rule

    text = "住在幸福小区3栋502，车位A-1.2"
    assert mask(text, extra_rules=["幸福小区3栋502"]) == "住在*********，车位A-1.2"
    assert (
        mask(text, extra_rules=[Rule(r"\d栋\d+", is_regex=True)]) == "住在幸福小区*****，车位A-1.2"
    )
    assert mask(text, extra_rules=["A-1.2"]).endswith("车位*****")


def test_masking_is_fast_enough():
    text = (
        "花园路与经三路交叉口路面出现大坑，雨天积水，车辆经过很危险。联系电话13812345678，"
        "2026-11-22，罚款¥1234.50，工单261122ABCD23。张先生。"
    ) * 5000
    size = len(text.encode())
    started = time.perf_counter()
    mask(text, names=["张三"])
    elapsed = time.perf_counter() - started
    assert size / elapsed > 5_000_000  # bytes per second, one core


# --- rules as data (service) ----------------------------------------------------------------


def test_staff_add_global_and_per_case_rules(world: World):
    case = submit(world.citizen, body="我家住在幸福小区3栋502，楼下商铺噪音扰民，请处理。")
    other = submit(
        world.other_citizen, body="幸福小区门口的路灯坏了，晚上很黑。", contact_phone="13900139000"
    )
    per_case = masking_rule_add(actor=world.dispatcher, value="3栋502", case_id=case.pk)
    assert per_case.case == case
    assert masked_case_text(case).body == "我家住在幸福小区*****，楼下商铺噪音扰民，请处理。"
    assert "幸福小区门口" in masked_case_text(other).body
    audit = CaseEvent.objects.get(case=case, action="masking_rule_added")
    assert audit.actor == world.dispatcher
    assert audit.is_public is False

    masking_rule_add(actor=world.supervisor, value="幸福小区", kind=MaskingRule.Kind.PATTERN)
    assert masked_case_text(other).body == "****门口的路灯坏了，晚上很黑。"
    assert masked_case_text(case).body.startswith("我家住在********")


def test_citizens_and_other_departments_may_not_add_rules(world: World):
    case = submit(world.citizen)
    with pytest.raises(NotAllowed):
        masking_rule_add(actor=world.citizen, value="花园路", case_id=case.pk)
    with pytest.raises(NotAllowed):
        masking_rule_add(actor=world.liaison, value="花园路")  # global: platform staff only
    outsider = make_user(Role.LEADER)
    with pytest.raises(NotAllowed):
        masking_rule_add(actor=outsider, value="花园路")
    assert not MaskingRule.objects.exists()


def test_broken_or_empty_patterns_are_refused(world: World):
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as bad:
            masking_rule_add(
                actor=world.dispatcher, value="(unclosed", kind=MaskingRule.Kind.PATTERN
            )
        assert "not a valid regular expression" in str(bad.value.errors["value"][0])
        with pytest.raises(ValidationFailed) as empty:
            masking_rule_add(actor=world.dispatcher, value="a*", kind=MaskingRule.Kind.PATTERN)
        assert str(empty.value.errors["value"][0]) == "The pattern must not match empty text."
    assert not MaskingRule.objects.exists()

"""Places named in a message: estates, roads, villages, schools, companies … and districts.

Two sources:
- a gazetteer (the city's own place names, e.g. `fixtures/demo_city/places_dict.txt` and the
  jurisdictions of the database), matched exactly;
- patterns for names the gazetteer does not know (real messages): a run of Chinese characters
  that ends with a place suffix (小区, 花园, 苑, 城, 路, 街, 大道, 村, 组, 学校, 公司 …). Chinese
  has no spaces, so where a name starts is guessed: walk left from the suffix over at most
  `MAX_NAME_CHARS` characters, stop at punctuation, ASCII, and words that rarely sit inside a name
  (的, 在, 是, 我 …), and cut after an administrative unit (…区, …县, …街道, …镇) that precedes it.

A place is reduced to its *core* (generic tails such as 小区, 社区, 二期 removed) and two cores
*match* when one contains the other or their character bigrams overlap enough (Dice ≥ 0.6): 丽发小区
and 丽发新城 match, so do 伊景园滨河苑 and 伊景园滨河院 (a typo), 万科魅力之城 and 魅力之城.

Districts (…区, …县 and the anonymised A3区 of the real data) are *coarse* places: shown, and used
by the index, but two messages are not kept apart because they name different districts (people
name the district of their home, of the department, or none).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Gazetteer",
    "Place",
    "bigrams",
    "core_of",
    "extract_places",
    "places_match",
]

MAX_NAME_CHARS = 6
MIN_CORE_CHARS = 2
MATCH_DICE = 0.6

# Suffixes of fine places, longest first (a regular expression alternation tries them in order).
_FINE_SUFFIXES = sorted(
    {
        # estates and buildings
        "小区", "花园", "家园", "新城", "新村", "公寓", "大厦", "广场", "山庄", "公馆", "华庭",
        "名苑", "雅苑", "花苑", "天地", "国际", "社区", "苑", "园", "府", "湾", "庭", "城", "郡",
        "墅", "院",
        # roads, bridges
        "街道", "大道", "大街", "高速", "大桥", "立交", "隧道", "路", "街", "巷", "桥",
        # villages and towns
        "村", "镇", "乡",
        # institutions and businesses ("…有限公司": the name is what comes before 有限)
        "有限公司", "有限责任公司", "股份有限公司", "小学", "中学", "大学", "学院", "学校", "幼儿园", "医院", "卫生院", "公司", "集团",
        "市场", "公园", "地铁站", "车站", "景区", "工业园", "产业园",
    },
    key=len,
    reverse=True,
)  # fmt: skip
_SUFFIX_RE = re.compile("|".join(map(re.escape, _FINE_SUFFIXES)))
# Tails that do not tell one place from another (丽发新城小区 = 丽发新城).
_GENERIC_TAILS = re.compile(
    r"(?:小区|社区|[一二三四五六七八九十\d]+期|[a-z]区|片区|项目|楼盘|地块|居委会|村委会)+$"
)
# Administrative units: a name ending before them is cut there (暮云街道|丽发新城).
_ADMIN_CUT = re.compile(r"^.*(?:街道|[区县市省镇乡])(?=.)")
# Characters that rarely sit inside a place name: a name starts after them.
_STOP_CHARS = frozenset(
    "的在是于我们你他她了这那该个到从向对把被给将请住近旁与及或等为很都也就还又其此每各某有没不"
)
# Words that end with a suffix but are not names (道路 = "road", 城市 = "city" …).
_GENERIC_NAMES = frozenset(
    {
        "道路", "马路", "公路", "出路", "思路", "线路", "网路", "电路", "水路", "铁路", "路路",
        "小区", "社区", "花园", "家园", "广场", "公园", "学校", "小学", "中学", "大学", "学院",
        "医院", "公司", "集团", "市场", "农村", "乡村", "城市", "城区", "县城", "进城", "全城",
        "街道", "大街", "小巷", "街巷", "村组", "本村", "全村", "该村", "我村", "村里", "组里",
        "本组", "城镇", "乡镇", "果园", "菜园", "校园", "园区", "庭院", "法院", "剧院", "院", "城", "路", "街", "村", "组", "园", "苑", "府", "湾", "政府",
        "物业公司", "开发公司", "房地产公司", "幼儿园", "全市", "本市", "高速", "大桥", "桥",
        "城管", "新城", "老城", "商城", "京城", "省城", "主城", "城乡",
    }
)  # fmt: skip
_ADMIN_CHARS = frozenset("区县市省镇乡")
# Village groups are named after their village (茶场村五组): "组" alone is mostly a verb or a noun.
_VILLAGE_GROUP_RE = re.compile(r"[\u4e00-\u9fff]{2,4}村[\u4e00-\u9fff0-9]{1,3}组")
# Verbs before 路 (跑路 "run away", 修路 "repair the road"): no road name.
_NOT_BEFORE_ROAD = frozenset("跑走修过带让堵封断条行出上下绕挡拦占铺开找问迷拐")
# Words inside the walked-left run after which a name starts (通过唐大公司 → 唐大公司).
_CUT_WORDS = re.compile(
    r"^.*(?:通过|经过|位于|来自|靠近|属于|名叫|叫做|就是|说|以|跟|找|叫|并|和|及|与)"
)
# A road before the name (劳动东路魅力之城 → 魅力之城): the name starts after it.
_ROAD_CUT = re.compile(r"^.*(?:路|街|大道|巷)(?=..)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Anonymised districts of the real data (a3区, k9县) and Chinese district/county names.
_DISTRICT_RE = re.compile(r"(?<![0-9a-z])[a-z]\d{0,2}[区县市](?![\u4e00-\u9fff]?[路街])")
# Names ending so are institutions everywhere, not places (市政府, 区法院 …).
_GENERIC_ENDINGS = ("政府", "法院", "检察院", "国务院", "委员会", "公安局")
# Common words before a suffix that make no name (影响小区, 整个小区, 安置小区 …).
_NOT_NAMES = re.compile(
    r"^(?:导致|影响|周边|附近|整个|一个|两个|多个|各个|这个|那个|现在|进入|关于|居民|住宅|安置|"
    r"本|该|全|各|老|新建|在建|所在|所有|同一|邻近|隔壁|对面|旁边|门口|严重|配套|周围|回迁|拆迁|"
    r"商品|保障|廉租|公租|老旧|开发|物业|业主|城中|乡下|其他|其它|一些|部分|多数|大部分|公交|"
    r"地铁|高铁|铁路|快速|必经|十字|配建|建设|规划|小|大|响了|还|给|受|为受|对|现|宅|生活|"
    r"文明|省会|卫生|平安|美丽|和谐|智慧|城乡|房和|人民|中小|一名|一所|一家|这家|该|严重影响|目前|"
    r"造成|什么|而|和|距|随着|过|走投无|读|条|一条|两家|开展|怎么|如何|为何|为什么|希望|请问|"
    r"要求|建议|反映|投诉|举报|咨询|我家|你们|他们)"
)


@dataclass(frozen=True)
class Place:
    """A place named in a message: its name as written, its core, and whether it is fine."""

    name: str
    core: str
    fine: bool = True


def core_of(name: str) -> str:
    """The distinctive part of a place name: generic tails removed (丽发新城小区 → 丽发新城)."""
    core = _GENERIC_TAILS.sub("", name)
    return core if len(core) >= MIN_CORE_CHARS else name


@lru_cache(maxsize=65536)
def bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) or frozenset({text})


@lru_cache(maxsize=262144)
def places_match(a: str, b: str) -> bool:
    """Whether two place cores name the same place (containment, or bigram Dice ≥ 0.6)."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= MIN_CORE_CHARS and short in long:
        return True
    x, y = bigrams(a), bigrams(b)
    return 2 * len(x & y) >= MATCH_DICE * (len(x) + len(y))


class Gazetteer:
    """Known place names, matched exactly in the text (longest first). `coarse` names (the
    city, its districts and streets) are shown but keep no two messages apart."""

    def __init__(self, names: Iterable[str] = (), *, coarse: Iterable[str] = ()) -> None:
        self.coarse = {n.strip().lower() for n in coarse if len(n.strip()) >= 2}
        wanted = {n.strip().lower() for n in names if len(n.strip()) >= 2} | self.coarse
        self.names = sorted(wanted, key=len, reverse=True)
        self._re = re.compile("|".join(re.escape(n) for n in self.names)) if self.names else None

    def is_fine(self, name: str) -> bool:
        return name not in self.coarse and not _DISTRICT_RE.fullmatch(name)

    def find(self, text: str) -> list[str]:
        if self._re is None:
            return []
        return [m.group(0) for m in self._re.finditer(text)]

    def __len__(self) -> int:
        return len(self.names)


def _name_before(text: str, end: int) -> str:
    """The name that ends at `end` (exclusive of the suffix), walking left."""
    start = end
    while start > 0 and end - start < MAX_NAME_CHARS:
        char = text[start - 1]
        if not _CJK.match(char) or char in _STOP_CHARS:
            break
        start -= 1
    name = text[start:end]
    for pattern in (_ADMIN_CUT, _CUT_WORDS, _ROAD_CUT):
        cut = pattern.match(name)
        if cut:
            name = name[cut.end() :]
    return name


def _fine_places(text: str) -> list[str]:
    found: list[str] = []
    for match in _SUFFIX_RE.finditer(text):
        name = _name_before(text, match.start())
        if len(name) < 1 or name in _ADMIN_CHARS:
            continue
        if match.group(0) == "路" and name[-1] in _NOT_BEFORE_ROAD:
            continue
        full = name + match.group(0)
        if full in _GENERIC_NAMES or name in _GENERIC_NAMES or full.endswith(_GENERIC_ENDINGS):
            continue
        if _NOT_NAMES.match(name) and len(_NOT_NAMES.match(name).group(0)) >= len(name) - 1:  # type: ignore[union-attr]
            continue
        if len(core_of(full)) < MIN_CORE_CHARS or len(full) < 3:
            continue
        found.append(full)
    found.extend(m.group(0) for m in _VILLAGE_GROUP_RE.finditer(text))
    return found


def extract_places(
    text: str, *, gazetteer: Gazetteer | None = None, known: Iterable[str] = ()
) -> list[Place]:
    """The places of a normalised text (lowercase, NFKC), plus `known` coarse ones given by the
    caller (the district and street a case was filed under). Each core once.
    """
    seen: set[str] = set()
    places: list[Place] = []

    def add(name: str, *, fine: bool) -> None:
        core = core_of(name) if fine else name
        if core in seen:
            return
        seen.add(core)
        places.append(Place(name=name, core=core, fine=fine))

    for name in known:
        name = name.strip().lower()
        if len(name) >= 2:
            add(name, fine=False)
    if gazetteer is not None:
        for name in gazetteer.find(text):
            add(name, fine=gazetteer.is_fine(name))
    # The patterns guess, the gazetteer knows: they only run when it found no fine place.
    if not any(p.fine for p in places):
        for name in _fine_places(text):
            add(name, fine=True)
    for match in _DISTRICT_RE.finditer(text):
        add(match.group(0), fine=False)
    return places

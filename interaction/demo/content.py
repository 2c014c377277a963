"""The demo city's data files and the message composer (plain Python: no Django needed).

`fixtures/demo_city/city.json` holds the city (districts, streets with their named roads, estates
and communities, facilities, departments, categories, the dispatch catalogue, demo users);
`message_templates.json` holds hand-written Chinese message templates per leaf category with slots
(`{road}`, `{estate}`, `{amount}`, …). A `Composer` fills them from a `random.Random` it is given,
so every generator that uses it is reproducible from its seed.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

FIXTURE_DIR = Path(__file__).resolve().parent.parent.parent / "fixtures" / "demo_city"
CITY_FILE = FIXTURE_DIR / "city.json"
TEMPLATES_FILE = FIXTURE_DIR / "message_templates.json"
PLACES_DICT_FILE = FIXTURE_DIR / "places_dict.txt"

SLOT_RE = re.compile(r"\{(\w+)\}")
# jieba user-dictionary frequency and part-of-speech tag ("ns": place name) for place names.
PLACE_FREQ = 3000
PLACE_TAG = "ns"


@lru_cache(maxsize=1)
def city_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CITY_FILE.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def template_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Street:
    code: str
    name: str
    district_code: str
    district_name: str
    roads: tuple[str, ...]
    estates: tuple[str, ...]
    communities: tuple[str, ...]

    @property
    def aliases(self) -> list[str]:
        return [*self.roads, *self.estates, *self.communities]


@dataclass(frozen=True)
class DemoMessage:
    """One composed citizen message and the truth about it (its category and place)."""

    category: str
    kind: str
    subject: str
    body: str
    district: str
    street: str
    address: str = ""

    @property
    def text(self) -> str:
        """What the classifier sees at intake: subject and body (see services.routing)."""
        return f"{self.subject}\n{self.body}"


def streets() -> list[Street]:
    result: list[Street] = []
    for district in city_data()["districts"]:
        for street in district["streets"]:
            result.append(
                Street(
                    code=street["code"],
                    name=street["name"],
                    district_code=district["code"],
                    district_name=district["name"],
                    roads=tuple(street["roads"]),
                    estates=tuple(street["estates"]),
                    communities=tuple(street["communities"]),
                )
            )
    return result


def leaf_categories() -> list[tuple[str, str, str]]:
    """(code, name, parent code) of every second-level category, in file order."""
    return [
        (child["code"], child["name"], top["code"])
        for top in city_data()["categories"]
        for child in top["children"]
    ]


def place_names() -> list[str]:
    """Every name and alias of every place of the demo city (jurisdictions and facilities)."""
    city = city_data()
    names: list[str] = [city["city"]["name"], *city["city"].get("aliases", [])]
    for district in city["districts"]:
        names += [district["name"], *district.get("aliases", [])]
    for street in streets():
        names += [street.name, *street.aliases]
    for facility_names in city["facilities"].values():
        names += [n for n in facility_names if not n.startswith("某")]
    seen: set[str] = set()
    unique = []
    for name in names:
        if name not in seen and len(name) >= 2:
            seen.add(name)
            unique.append(name)
    return unique


def places_dict_text() -> str:
    """The jieba user dictionary of the demo city's place names (`word freq tag` per line)."""
    header = [
        "# Place names of the demo city 青川市 (jieba user dictionary: word freq tag).",
        "# Generated from fixtures/demo_city/city.json by `manage.py load_demo_city --write-dict`;",
        "# a test checks that it lists every place name and alias of the city.",
    ]
    lines = [f"{name} {PLACE_FREQ} {PLACE_TAG}" for name in place_names()]
    return "\n".join([*header, *lines]) + "\n"


class Composer:
    """Fills the hand-written templates. Deterministic for a given `random.Random` state."""

    def __init__(self) -> None:
        self.templates = template_data()
        self.city = city_data()
        self.streets = streets()
        self.categories: dict[str, dict[str, Any]] = self.templates["categories"]
        self.codes = sorted(self.categories)
        self.weights = [int(self.categories[c].get("weight", 1)) for c in self.codes]

    def pick_category(self, rng: random.Random) -> str:
        return rng.choices(self.codes, weights=self.weights)[0]

    def place_slots(self, rng: random.Random, street: Street) -> dict[str, str]:
        values = {
            "road": rng.choice(street.roads),
            "estate": rng.choice(street.estates),
            "community": rng.choice(street.communities),
            "street": street.name,
            "district": street.district_name,
        }
        values["place"] = rng.choice([values["road"], values["estate"], values["community"]])
        for slot, names in self.city["facilities"].items():
            values[slot] = rng.choice(names)
        return values

    def fill(
        self,
        rng: random.Random,
        template: str,
        chosen: dict[str, str],
        pools: dict[str, list[str]],
    ) -> str:
        """Replace every `{slot}`; a slot drawn once keeps its value in the whole message."""

        def value(match: re.Match[str]) -> str:
            key = match.group(1)
            if key not in chosen:
                if key not in pools:
                    raise KeyError(f"unknown slot {{{key}}} in template: {template}")
                chosen[key] = rng.choice(pools[key])
            return chosen[key]

        return SLOT_RE.sub(value, template)

    def pools_for(self, category: str) -> dict[str, list[str]]:
        return {**self.templates["slots"], **self.categories[category].get("slots", {})}

    def compose(
        self, rng: random.Random, category: str, street: Street | None = None
    ) -> DemoMessage:
        spec = self.categories[category]
        street = street or rng.choice(self.streets)
        chosen = self.place_slots(rng, street)
        pools = self.pools_for(category)
        subject = self.fill(rng, rng.choice(spec["subjects"]), chosen, pools)
        opener = self.fill(rng, rng.choice(self.templates["openers"]), chosen, pools)
        body = self.fill(rng, rng.choice(spec["bodies"]), chosen, pools)
        closer = self.fill(rng, rng.choice(self.templates["closers"]), chosen, pools)
        address = ""
        if rng.random() < 0.4:
            address = rng.choice(
                [
                    f"{chosen['road']}{rng.randint(1, 399)}号",
                    f"{chosen['estate']}{rng.choice(self.templates['slots']['floor'])}",
                ]
            )
        return DemoMessage(
            category=category,
            kind=rng.choice(spec["kinds"]),
            subject=subject[:100],
            body=f"{opener}{body}{closer}",
            district=street.district_code,
            street=street.code,
            address=address,
        )

    def compose_recurring(self, rng: random.Random) -> DemoMessage:
        """A message about one of the hand-written recurring problems (the demo's hot issues):
        several citizens write about the same problem at the same place, each in their words."""
        spec = rng.choice(self.templates["recurring"]["problems"])
        street = next(s for s in self.streets if s.code == spec["street"])
        chosen = self.place_slots(rng, street)
        opener = self.fill(rng, rng.choice(self.templates["openers"]), chosen, {})
        closer = self.fill(rng, rng.choice(self.templates["closers"]), chosen, {})
        return DemoMessage(
            category=spec["category"],
            kind=rng.choice(spec["kinds"]),
            subject=rng.choice(spec["subjects"]),
            body=f"{opener}{rng.choice(spec['bodies'])}{closer}",
            district=street.district_code,
            street=street.code,
        )

    def reply(
        self, rng: random.Random, category: str, top_category: str, values: dict[str, str]
    ) -> str:
        """A department's reply: the leaf category's own text if any, else its top category's."""
        replies = self.templates["replies"]
        own = replies.get(category, [])
        pool = own if own and rng.random() < 0.75 else replies[top_category]
        template = rng.choice(pool)
        pools = {"days_fix": ["5个工作日", "10个工作日", "一个月"]}
        return self.fill(rng, template, dict(values), pools)

    def workflow_text(self, rng: random.Random, key: str, sub: str | None = None) -> str:
        texts = self.templates["workflow"][key]
        if sub is not None:
            texts = texts[sub]
        return str(rng.choice(texts))

    def every_template(self) -> list[tuple[str, str]]:
        """(category, filled text) for every subject and body template once (checks slots)."""
        rng = random.Random(0)
        filled = []
        for code in self.codes:
            spec = self.categories[code]
            for template in [*spec["subjects"], *spec["bodies"]]:
                chosen = self.place_slots(rng, rng.choice(self.streets))
                filled.append((code, self.fill(rng, template, chosen, self.pools_for(code))))
        return filled

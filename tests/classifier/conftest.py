"""Small synthetic Chinese corpus (written for these tests) and one trained model per session."""

from __future__ import annotations

import random

import pytest

from classifier.features import compose_text
from classifier.train import TrainedModel, train

TOPICS = {
    "城乡建设": [
        "物业费",
        "违章建筑",
        "拆迁安置",
        "小区停水",
        "老旧小区改造",
        "加装电梯",
        "公租房",
    ],
    "环境保护": ["噪音扰民", "二噁英", "垃圾焚烧", "餐饮油烟", "扬尘污染", "黑臭水体", "偷排污水"],
    "教育文体": ["学区房", "补课费", "幼儿园", "教师工资", "校车", "义务教育", "体育场馆"],
}
OPENINGS = ["您好，", "尊敬的领导：", "我是本市市民，", "我想反映一个问题，", ""]
CLOSINGS = ["希望尽快处理。", "请有关部门重视！", "谢谢！", "盼复。", ""]
PLACES = ["A市", "A3区", "星沙街道", "西湖社区", "河东新村"]


def make_corpus(n_per_label: int = 40, seed: int = 7) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for label, words in TOPICS.items():
        for _ in range(n_per_label):
            first, second = rng.sample(words, 2)
            place = rng.choice(PLACES)
            subject = f"{place}{first}问题"
            body = (
                f"{rng.choice(OPENINGS)}{place}最近{first}的情况很严重，"
                f"还有{second}，已经持续{rng.randint(2, 30)}天。{rng.choice(CLOSINGS)}"
            )
            texts.append(compose_text(subject, body))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def corpus() -> tuple[list[str], list[str]]:
    return make_corpus()


@pytest.fixture(scope="session")
def trained(corpus: tuple[list[str], list[str]]) -> TrainedModel:
    texts, labels = corpus
    return train(texts, labels, seed=0, n_splits=3)

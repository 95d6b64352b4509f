"""zh-CN: the translation table's templates, and the verdict in Chinese with the same numbers as in English."""

from __future__ import annotations

import re
import string

from simcommerce.i18n import ZH, lang_of, t
from simcommerce.verdict import MINUS, verdict

from test_verdict import SERUM, table


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_translation_keeps_the_fields_of_its_english_template():
    bad = {en: zh for en, zh in ZH.items() if fields(en) != fields(zh)}
    assert not bad, bad
    words = {en: re.sub(r"\{[^}]*\}", "", en) for en in ZH}  # the English without its fields
    left = [en for en, zh in ZH.items() if re.search("[A-Za-z]", words[en]) and not re.search(r"[\u4e00-\u9fff]", zh)]
    assert not left, left  # an entry left in English


def test_languages_and_lookup():
    assert [lang_of(x) for x in ("zh", "zh-CN", "zh_cn", "en", None, "fr")] == ["zh-CN"] * 3 + ["en"] * 3
    assert t("Run", "zh-CN") == "运行" and t("Run", "en") == "Run"
    assert t("Done: {n} runs in {s:.1f} s, saved in {rel}/.", "zh-CN", n=4, s=2.25, rel="x") == \
        "完成：4 次运行，用时 2.2 秒，保存在 x/。"
    assert t("a sentence nobody translated", "zh-CN") == "a sentence nobody translated"


def test_the_serum_verdict_in_chinese_has_the_english_numbers():
    labels = {"live": "直播", "referral_10": "推荐10%", "macro": "头部达人"}
    en = verdict(table(SERUM), currency="¥", drivers={"live": "live slot fees"}, labels=labels)
    zh = verdict(table(SERUM), currency="¥", drivers={"live": "直播坑位费"}, labels=labels, lang="zh-CN")
    assert zh.findings == [
        f"直播：订单 +4.3%（95% 置信区间 +2.1 至 +6.5%），但利润 {MINUS}11.6%（{MINUS}13.3 至 {MINUS}9.9%）：成本高于收益"
        "（以目前在直播坑位费上的支出）。",
        "推荐10%和头部达人：在 5 次重复 下未检测到差异。",
    ]
    assert zh.recommendation.startswith("建议：保持 base") and "5 次重复" in zh.recommendation
    number = re.compile(rf"[+{MINUS}]?\d[\d,.]*%?")
    assert sorted(number.findall(zh.findings[0])) == sorted(number.findall(en.findings[0]))
    assert not re.search("[A-Za-z]{4,}", zh.text.replace("base", ""))  # no English words left

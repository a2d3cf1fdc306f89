"""Two county cells for the tests, written into a copy of the shipped FAQ.

The offices, phones, groups and figures here are invented for the tests (the
phones are not real numbers, the figure is marked as a test one); they must
never be copied into faq/.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.faq_files import copy_shipped_faq

QIANWEI_GROUP, JINGYAN_GROUP = -1001111, -1002222

QIANWEI = f"""\
name: 犍为县
en: Qianwei County
words: [犍为, Qianwei]
service:
  zh: 犍为县法律服务（测试）
  en: Qianwei legal service (test)
hours: Mon-Sun 00:00-23:59
advisers:
  telegram_chat: "{QIANWEI_GROUP}"
offices:
  - kind: legal_aid_centre
    name: 犍为县法律援助中心（测试）
    address: 测试路1号
    phone: "0000-1111111"
income_standard:
  monthly_income_per_person: 1000
  source:
    zh: 测试用数字，不是真实标准
    en: a figure for the tests, not a real standard
additions:
  legal_aid.apply:
    zh: 犍为测试补充：带上身份证。
    en: "Qianwei test addition: bring your ID card."
"""

JINGYAN = f"""\
name: 井研县
en: Jingyan County
words: [井研, Jingyan]
advisers:
  telegram_chat: "{JINGYAN_GROUP}"
"""


def faq_with_counties(target: Path) -> Path:
    """A copy of the shipped FAQ with faq/counties/qianwei.yaml and jingyan.yaml."""
    faq_dir = copy_shipped_faq(target)
    (faq_dir / "counties").mkdir()
    (faq_dir / "counties" / "qianwei.yaml").write_text(QIANWEI, encoding="utf-8")
    (faq_dir / "counties" / "jingyan.yaml").write_text(JINGYAN, encoding="utf-8")
    return faq_dir

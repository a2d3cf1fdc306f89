"""Where to go: the bot names the nearest office it knows, or says to ask 12348, never a guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.places import KINDS, Places
from tests.support import ROOT

SHIPPED = ROOT / "faq" / "places.yaml"
COUNTIES = ("市中区", "五通桥区", "沙湾区", "金口河区", "犍为县", "井研县", "夹江县", "沐川县",
            "峨边彝族自治县", "马边彝族自治县", "峨眉山市")
BUREAU_ADDRESS, BUREAU_PHONE = "乐山市市中区龙游路西段205号", "0833-2558301"


@pytest.fixture(scope="module")
def places():
    loaded, problems = Places.load(SHIPPED)
    assert [str(problem) for problem in problems] == []
    return loaded


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "places.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_directory_knows_leshan_and_its_counties(places):
    assert set(COUNTIES) <= set(places.areas)
    assert all(places.areas[county].parent == "乐山市" for county in COUNTIES)


def test_the_shipped_justice_bureau_has_the_checked_details(places):
    bureau = places.nearest("乐山市", "justice_bureau")
    assert (bureau.name, bureau.address, bureau.phone) == ("乐山市司法局", BUREAU_ADDRESS, BUREAU_PHONE)


@pytest.mark.parametrize(
    "said, area",
    [
        ("犍为县", "犍为县"),
        ("我在犍为", "犍为县"),
        ("我是犍為的", "犍为县"),  # traditional
        ("井研县xx镇", "井研县"),
        ("我住井研", "井研县"),
        ("市中区", "市中区"),
        ("乐山市市中区", "市中区"),  # the county, not the city it names first
        ("五通桥", "五通桥区"),
        ("沙灣區", "沙湾区"),
        ("金口河", "金口河区"),
        ("夹江", "夹江县"),
        ("沐川县", "沐川县"),
        ("我们峨边这边", "峨边彝族自治县"),
        ("馬邊彝族自治縣", "马边彝族自治县"),
        ("峨眉山", "峨眉山市"),
        ("乐山", "乐山市"),
        ("I live in Qianwei", "犍为县"),
    ],
)
def test_find_area(places, said, area):
    assert places.find_area(said) == area


@pytest.mark.parametrize("said", ["北京", "成都市武侯区", "我在市中心", "", "不晓得"])
def test_an_unknown_place_is_none(places, said):
    assert places.find_area(said) is None


def test_a_county_falls_back_to_the_city_justice_bureau(places):
    assert places.nearest("犍为县", "justice_bureau").name == "乐山市司法局"
    assert places.nearest(None, "justice_bureau").name == "乐山市司法局"


def test_no_office_of_a_kind_is_none(places):
    assert places.nearest("犍为县", "legal_aid_centre") is None


def test_describe_gives_the_real_bureau(places):
    zh = places.describe("乐山市", "justice_bureau", "zh")
    assert "乐山市司法局" in zh and BUREAU_ADDRESS in zh and BUREAU_PHONE in zh
    assert "还没有录入" not in zh
    en = places.describe("乐山市", "justice_bureau", "en")
    assert "justice bureau" in en.lower() and BUREAU_ADDRESS in en and BUREAU_PHONE in en


def test_describe_says_when_it_is_the_city_office_instead_of_the_county(places):
    zh = places.describe("井研县", "justice_bureau", "zh")
    assert zh.startswith("井研县的司法局信息还没有录入") and "乐山市的司法局" in zh and BUREAU_PHONE in zh
    en = places.describe("井研县", "justice_bureau", "en")
    assert "Jingyan County" in en and "Leshan City one" in en and BUREAU_PHONE in en


@pytest.mark.parametrize("kind", ["legal_aid_centre", "justice_office", "court", "womens_federation"])
def test_describe_sends_to_12348_when_nothing_is_known(places, kind):
    name = KINDS[kind]
    assert places.describe("犍为县", kind, "zh") == f"您所在地区的{name.zh}信息还没有录入，请拨打12348询问离您最近的{name.zh}。"
    en = places.describe("犍为县", kind, "en")
    assert "12348" in en and name.en in en and "0833" not in en


TOWNSHIP_FILE = """\
areas:
  - name: 乐山市
  - name: 犍为县
    parent: 乐山市
    townships: [甲镇, 乙乡]
offices:
  - kind: justice_office
    name: 甲镇司法所
    area: 甲镇
    address: <test address>
    phone: "0000-0000000"
    hours: 工作日
  - kind: legal_aid_centre
    name: 测试法律援助中心
    area: 犍为县
    address: <test address 2>
    phone: "0000-1111111"
"""


def test_a_township_is_found_and_its_own_office_comes_first(tmp_path):
    places, problems = Places.load(write(tmp_path, TOWNSHIP_FILE))
    assert problems == []
    assert places.find_area("我是犍为县甲镇的") == "甲镇"
    assert places.describe("甲镇", "justice_office", "zh") == "甲镇司法所：<test address>，电话0000-0000000，办公时间：工作日"
    assert places.nearest("甲镇", "legal_aid_centre").name == "测试法律援助中心"  # the county's, one level up
    assert places.nearest("乙乡", "justice_office") is None


BROKEN_FILE = """\
areas:
  - name: 乐山市
  - name: 犍为县
    parent: 乐山市
  - name: 某县
    parent: 不存在市
offices:
  - kind: legal_aid_center
    name: 拼错类别的中心
    area: 乐山市
    address: <a>
    phone: "0000-0000000"
  - kind: court
    name: 不知道在哪的法院
    area: 火星县
    address: <b>
    phone: "0000-0000000"
  - kind: court
    area: 犍为县
    address: <c>
    phone: "0000-0000000"
  - kind: court
    name: 电话没加引号
    area: 犍为县
    address: <d>
    phone: 12345670
  - kind: court
    name: 好的法院
    area: 犍为县
    address: <e>
    phone: "0000-2222222"
"""


def test_a_broken_places_file_gives_file_and_line_problems(tmp_path):
    path = write(tmp_path, BROKEN_FILE)
    places, problems = Places.load(path)
    found = {(problem.line, word) for problem in problems for word in
             ("不存在市", "legal_aid_center", "火星县", "name", "quotes") if word in problem.message}
    assert found == {(6, "不存在市"), (8, "legal_aid_center"), (15, "火星县"), (18, "name"), (26, "quotes")}
    assert all(problem.file == str(path) for problem in problems)
    assert [office.name for office in places.offices] == ["好的法院"]  # good entries survive a bad edit


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "areas:\n  - name: 乐山市\noffices:\n  - kind: court\n    name: [unclosed\n")
    _, [problem] = Places.load(path)
    assert str(problem).startswith(f"{path}:") and problem.line in (5, 6) and "YAML" in problem.message


def test_a_missing_file_is_a_problem_not_a_crash(tmp_path):
    places, [problem] = Places.load(tmp_path / "nowhere.yaml")
    assert "cannot read" in problem.message
    assert "12348" in places.describe("犍为县", "court", "zh")

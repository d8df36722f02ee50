"""The index's pinyin reads pypinyin's dictionaries itself: it must spell
every realistic name exactly as pypinyin's own converter does (the usual
reading as ``lazy_pinyin``, the other readings as ``pinyin(heteronym=True)``)."""

from __future__ import annotations

import itertools
import random
import re
import subprocess
import sys
from pathlib import Path

import pypinyin
import pytest
from pypinyin import Style

from plugins.search import normalise as n

# ------------------------------------------------------------------ corpus

CITIES = ["北京", "上海", "广州", "深圳", "重庆", "长沙", "长春", "天津", "杭州", "南京", "成都", "武汉",
          "西安", "厦门", "乐山", "乐清", "长治", "朝阳", "大连", "青岛", "苏州", "佛山", "东莞", "合肥",
          "六安", "丽水", "蚌埠", "台州", "番禺", "铅山", "莘县", "单县", "石家庄", "哈尔滨"]
CORES = ["华联", "长城", "重光", "乐业", "行健", "音乐", "长虹", "重山", "恒通", "宏达", "鑫源", "兴业",
         "中行", "华夏", "朝阳", "光明", "东方", "长江", "银河", "天行", "行远", "传奇", "藏品", "便民",
         "和谐", "大都", "会通", "调和", "长乐", "重华", "华行", "乐行", "长行", "重行", "银行"]
TRADES = ["贸易", "科技", "农业科技", "音乐文化传播", "重工机械", "长途运输", "乐器制造", "行政服务",
          "会计师事务", "物流", "餐饮管理", "建筑工程", "信息技术", "电子商务", "投资管理", "房地产开发",
          "医疗器械", "教育咨询", "广告传媒", "服装", "食品", "汽车销售", "重型装备", "银行", "乐园"]
LEGAL = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "分公司", "合伙企业（有限合伙）",
         "工作室", "商行", "门市部", "经营部", "研究院", "事务所"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "单", "曾", "解", "乐", "区", "查",
            "朴", "仇", "盖", "重", "尉迟", "万俟", "长孙"]
GIVEN = ["行", "长乐", "重阳", "乐乐", "晓明", "建国", "秀英", "长青", "朝晖", "行之", "重远", "音", "和平",
         "少华", "传志", "会", "都", "乐天"]
MIXED = ["ABC科技", "ＡＢＣ贸易有限公司", "3M中国", "IBM（中国）有限公司", "New York 贸易", "第1号 仓库",
         "Ｏｆｆｉｃｅ 重庆办事处", "阿卜杜拉·买买提", "上海第123号贸易有限公司", "北京华联农业科技有限公司",
         "华行科技", "中国银行", "重庆银行股份有限公司", "银行行长", "长沙音乐厅", "ＡＢＣ科技（深圳）有限公司",
         "广州市天河区重华行贸易商行", "北京农展馆", "A座1201室 长安大厦", "一〇一中学", "欸乃", "兙",
         "䷀乾", "𠀀公司", "wang.lei@example.cn", "+86 138-0013-8000", "Acme Trading Co.", "", "  ",
         "科技", "有限", "那些朝阳区的重庆人", "😀快乐",
         # a run that only begins a phrase (纳米二氧化硅, 日和风丽): pypinyin spells it
         # character by character, so 化 reads hua or huo and 和 he, hu or huo
         "纳米二氧化Ti", "日和风 Cafe"]


def corpus() -> list[str]:
    rng = random.Random(20240601)  # fixed: the same names on every run
    names = [f"{rng.choice(CITIES)}{rng.choice(CORES)}{rng.choice(TRADES)}{rng.choice(LEGAL)}"
             for _ in range(200)]
    names += [f"{rng.choice(CITIES)}市{rng.choice(CORES)}{rng.choice(TRADES)}{rng.choice(LEGAL)}"
              for _ in range(60)]
    names += [f"{rng.choice(CORES)}（{rng.choice(CITIES)}）{rng.choice(TRADES)}{rng.choice(LEGAL)}"
              for _ in range(60)]
    names += [f"{rng.choice(CITIES)}第{rng.randint(1, 999)}号{rng.choice(TRADES)}{rng.choice(LEGAL)}"
              for _ in range(40)]
    names += [f"{rng.choice(['ABC', 'ＸＹＺ', 'Sino', 'ｈｏｎｇ', 'JD'])}{rng.choice(CORES)}{rng.choice(TRADES)}"
              for _ in range(40)]
    names += [f"{s}{g}" for s, g in itertools.product(SURNAMES, GIVEN)]
    return names + MIXED


CORPUS = corpus()

# ------------------------------------------------------------------ pypinyin itself

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PIECES = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\u3400-\u9fff\uf900-\ufaff]+")
NOT_ALNUM = re.compile(r"[^0-9a-z]")


def by_pypinyin(value: str) -> tuple[str, str]:
    """What ``pinyin`` gave when it called ``lazy_pinyin``."""
    folded = n.fold(value)
    if not HAN.search(folded):
        return NOT_ALNUM.sub("", folded), ""
    full = pypinyin.lazy_pinyin(folded, errors="default")
    initials = pypinyin.lazy_pinyin(folded, style=Style.FIRST_LETTER, errors="default")
    return "".join(NOT_ALNUM.sub("", s) for s in full), "".join(NOT_ALNUM.sub("", s) for s in initials)


def all_by_pypinyin(value: str) -> list[tuple[str, str]]:
    """What ``spellings`` gave when it combined ``pinyin(heteronym=True)``."""
    usual = by_pypinyin(value)
    folded = n.fold(value)
    if not HAN.search(folded):
        return [usual]
    pieces = PIECES.findall(folded)
    readings = pypinyin.pinyin(folded, style=Style.NORMAL, heteronym=True, errors="default")
    if len(readings) != len(pieces):
        return [usual]
    per_piece = [[(NOT_ALNUM.sub("", r), NOT_ALNUM.sub("", r)[:1] if HAN.match(piece) else NOT_ALNUM.sub("", r))
                  for r in dict.fromkeys(rs)] for piece, rs in zip(pieces, readings, strict=True)]
    found = [usual]
    for combo in itertools.product(*per_piece):
        spelled = ("".join(full for full, _ in combo), "".join(ini for _, ini in combo))
        if spelled not in found:
            found.append(spelled)
        if len(found) >= n.SPELLINGS:
            break
    return found


# ------------------------------------------------------------------ tests


def test_the_corpus_is_realistic_and_large_enough():
    assert len(set(CORPUS)) >= 300
    assert sum(1 for name in CORPUS if len(n.spellings(name)) > 1) >= 100  # many with several readings


def test_a_name_spells_as_lazy_pinyin_spells_it():
    differ = {name: (n.pinyin(name), by_pypinyin(name)) for name in CORPUS
              if n.pinyin(name) != by_pypinyin(name)}
    assert differ == {}


def test_every_reading_of_a_name_is_the_one_pypinyin_gives_the_usual_first():
    differ = {name: (n.spellings(name), all_by_pypinyin(name)) for name in CORPUS
              if n.spellings(name) != all_by_pypinyin(name)}
    assert differ == {}
    assert all(n.spellings(name)[0] == n.pinyin(name) for name in CORPUS)


@pytest.mark.parametrize(("name", "expected"), [
    ("华行科技", [("huaxingkeji", "hxkj"), ("huaxingkeqi", "hxkq"), ("huahangkeji", "hhkj"),
                  ("huahangkeqi", "hhkq"), ("huahengkeji", "hhkj"), ("huahengkeqi", "hhkq")]),
    ("重庆银行", [("chongqingyinhang", "cqyh")]),  # phrases keep their one reading
    ("ＡＢＣ长沙", [("abcchangsha", "abccs")]),
    ("New York", [("newyork", "")]),
])
def test_known_spellings(name, expected):
    assert n.spellings(name) == expected


def test_a_realistic_name_does_not_go_through_pypinyins_converter(monkeypatch):
    # given pypinyin's per-call functions out of reach
    def refuse(*args, **kwargs):
        raise AssertionError("pypinyin's converter called")

    monkeypatch.setattr(pypinyin, "pinyin", refuse)
    monkeypatch.setattr(pypinyin, "lazy_pinyin", refuse)
    # then a name still spells, from the dictionaries alone
    assert n.pinyin("重庆长安银行股份有限公司") == ("chongqingchanganyinhanggufenyouxiangongsi",
                                                     "cqcayhgfyxgs")
    assert len(n.spellings("广州市天河区重华行贸易商行")) == n.SPELLINGS


def test_spelling_chinese_does_not_load_pypinyin():
    # pypinyin's modules hold 57 MB in every worker: only its data files are read
    root = Path(__file__).resolve().parents[3]
    code = ("import sys; from plugins.search import normalise as n; n.spellings('New York'); "
            "assert n.pinyin('重庆长安银行') == ('chongqingchanganyinhang', 'cqcayh'); "
            "assert n.chinese_initials('重庆 3M') == 'cq'; "
            "from plugins.crm.services.names import initial; assert initial('长城汽车') == 'C'; "
            "assert 'pypinyin' not in sys.modules, 'pypinyin loaded'")
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)


def test_the_phrases_read_by_pattern_are_pypinyins_phrases():
    from pypinyin.constants import PHRASES_DICT

    phrases = n._dictionary().phrases
    assert len(phrases) == len(PHRASES_DICT) > 40_000
    differ = [w for w, readings in PHRASES_DICT.items()
              if phrases.get(w) != ";".join(",".join(r) for r in readings)]
    assert differ == []


def test_a_file_the_pattern_cannot_read_is_decoded():
    # an escaped character: the pattern would cut the phrase, json reads it
    text = '{"\\u91cd\\u5e86": [["chóng"], ["qìng"]], "朝阳": [["zhāo", "cháo"], ["yáng"]]}'
    assert n._read_phrases(text) == {"重庆": "chóng;qìng", "朝阳": "zhāo,cháo;yáng"}


def test_every_reading_of_the_dictionaries_loses_its_tone_as_pypinyin_does():
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
    from pypinyin.style import convert

    readings = {r for listed in PINYIN_DICT.values() for r in listed.split(",")}
    readings |= {r for toned in PHRASES_DICT.values() for each in toned for r in each}
    assert len(readings) > 1_000
    style = n._dictionary().style
    differ = {r: style(r) for r in readings
              if style(r) != (convert(r, Style.NORMAL, True), convert(r, Style.FIRST_LETTER, True))}
    assert differ == {}


def test_the_initials_of_the_chinese_are_lazy_pinyins():
    differ = {}
    for name in CORPUS:
        expected = "".join(pypinyin.lazy_pinyin(n.fold(name), style=Style.FIRST_LETTER, errors="ignore"))
        if n.chinese_initials(name) != expected and not re.search("欸", name):  # ê: lazy_pinyin keeps it
            differ[name] = (n.chinese_initials(name), expected)
    assert differ == {}

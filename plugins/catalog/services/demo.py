"""The catalog's demo data: currencies with dated rates, units, a category
tree (hardware, software, services, exhibition services) and about forty
products of an IT solutions company that also sells exhibition services,
with a VIP list, a USD export list and a quantity-break list. Everything
is fixed (no randomness), so every demo installation looks the same."""

from __future__ import annotations

import zlib
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugins.catalog.models import (
    BundleItem,
    Category,
    Currency,
    ExchangeRate,
    PriceList,
    PriceListItem,
    Product,
    Unit,
)
from plugins.catalog.services.money import rounded

CURRENCIES = [  # code, name, English name, symbol, places, rates (valid from, CNY per unit)
    ("CNY", "人民币", "Chinese yuan", "¥", 2, []),
    ("USD", "美元", "US dollar", "$", 2, [(date(2026, 1, 1), "7.1012"), (date(2026, 4, 1), "7.0865"),
                                        (date(2026, 7, 1), "7.1530")]),
    ("EUR", "欧元", "Euro", "€", 2, [(date(2026, 1, 1), "7.7420"), (date(2026, 7, 1), "7.8215")]),
    ("HKD", "港币", "Hong Kong dollar", "HK$", 2, [(date(2026, 1, 1), "0.9105"), (date(2026, 7, 1), "0.9158")]),
    ("JPY", "日元", "Japanese yen", "¥", 0, [(date(2026, 1, 1), "0.04735"), (date(2026, 7, 1), "0.04812")]),
]

UNITS = [  # code, name, English name, places
    ("ge", "个", "piece", 0), ("tai", "台", "unit", 0), ("tao", "套", "set", 0), ("jian", "件", "item", 0),
    ("xiang", "项", "job", 0), ("ci", "次", "time", 0), ("hour", "小时", "hour", 1), ("day", "天", "day", 1),
    ("sqm", "平方米", "square metre", 2), ("m", "米", "metre", 2),
]

#: code, name, English name, parent code
CATEGORIES = [
    ("HW", "硬件设备", "Hardware", None), ("HW-SRV", "服务器", "Servers", "HW"),
    ("HW-NET", "网络设备", "Network equipment", "HW"), ("HW-OFF", "办公设备", "Office equipment", "HW"),
    ("SW", "软件", "Software", None), ("SW-LIC", "软件许可", "Software licences", "SW"),
    ("SW-SUB", "订阅", "Subscriptions", "SW"),
    ("SV", "服务", "Services", None), ("SV-INS", "安装调试", "Installation", "SV"),
    ("SV-TRN", "培训", "Training", "SV"), ("SV-OPS", "运维", "Operations and maintenance", "SV"),
    ("EX", "展会服务", "Exhibition services", None), ("EX-BOOTH", "展位", "Booths", "EX"),
    ("EX-BUILD", "搭建", "Stand building", "EX"), ("EX-AD", "广告", "Advertising", "EX"),
]

#: SKU, name, English name, category, unit, specification, list price (CNY), cost, kind
PRODUCTS = [
    ("SRV-R740", "机架式服务器 R740", "Rack server R740", "HW-SRV", "tai",
     "2U 双路 Xeon Silver 4314 / 128GB / 4×1.92TB SSD",
     "68800.00", "52300.00", "goods"),
    ("SRV-R640", "机架式服务器 R640", "Rack server R640", "HW-SRV", "tai",
     "1U 双路 Xeon Silver 4310 / 64GB / 2×960GB SSD",
     "42500.00", "32800.00", "goods"),
    ("SRV-T150", "塔式服务器 T150", "Tower server T150", "HW-SRV", "tai", "Xeon E-2334 / 32GB / 2×2TB HDD",
     "15800.00", "11900.00", "goods"),
    ("SRV-GPU8", "GPU 计算服务器", "GPU compute server", "HW-SRV", "tai", "4U 8×A800 80GB / 1TB 内存",
     "1280000.00", "1090000.00", "goods"),
    ("STO-NAS4", "网络存储 NAS", "Network storage NAS", "HW-SRV", "tai", "4 盘位 / 4×8TB / 双万兆口",
     "23600.00", "17500.00", "goods"),
    ("NET-SW48", "千兆交换机 48 口", "48-port gigabit switch", "HW-NET", "tai", "48×GE + 4×10GE SFP+ 可网管",
     "8900.00", "6200.00", "goods"),
    ("NET-SW24", "千兆交换机 24 口", "24-port gigabit switch", "HW-NET", "tai", "24×GE + 4×GE SFP 可网管",
     "3600.00", "2450.00", "goods"),
    ("NET-FW200", "下一代防火墙", "Next-generation firewall", "HW-NET", "tai", "吞吐 10Gbps / 8 电口 4 光口",
     "36800.00", "27000.00", "goods"),
    ("NET-AP6", "Wi-Fi 6 无线接入点", "Wi-Fi 6 access point", "HW-NET", "ge", "双频 AX3000 / PoE 供电",
     "1280.00", "860.00", "goods"),
    ("NET-RT", "企业级路由器", "Enterprise router", "HW-NET", "tai", "双 WAN / 万兆上联 / VPN",
     "12500.00", "9100.00", "goods"),
    ("OFF-PC", "商用台式机", "Business desktop", "HW-OFF", "tai", "i5-13500 / 16GB / 512GB SSD / 23.8 英寸",
     "5699.00", "4600.00", "goods"),
    ("OFF-NB", "商用笔记本", "Business laptop", "HW-OFF", "tai", "14 英寸 / i7-1360P / 32GB / 1TB",
     "8999.00", "7300.00", "goods"),
    ("OFF-MFP", "彩色激光多功能一体机", "Colour laser multifunction printer", "HW-OFF", "tai",
     "A4 打印复印扫描 / 双面 / 网络",
     "4280.00", "3250.00", "goods"),
    ("OFF-PROJ", "会议室投影仪", "Meeting room projector", "HW-OFF", "tai", "5000 流明 / 1080P",
     "7600.00", "5800.00", "goods"),
    ("OFF-UPS", "在线式 UPS 电源", "Online UPS", "HW-OFF", "tai", "6kVA / 30 分钟后备",
     "9800.00", "7100.00", "goods"),
    ("LIC-ERP", "算盘 ERP 标准版许可", "Suanpan ERP standard licence", "SW-LIC", "tao",
     "永久许可 / 含 1 年升级",
     "98000.00", "0.00", "goods"),
    ("LIC-CRM", "CRM 用户许可", "CRM user licence", "SW-LIC", "ge", "永久许可 / 每用户",
     "2800.00", "0.00", "goods"),
    ("LIC-DB", "数据库企业版许可", "Database enterprise licence", "SW-LIC", "tao", "按处理器核 / 永久",
     "56000.00", "41000.00", "goods"),
    ("LIC-AV", "终端安全软件", "Endpoint security", "SW-LIC", "ge", "每终端 / 3 年",
     "360.00", "210.00", "goods"),
    ("SUB-M365", "办公套件订阅", "Office suite subscription", "SW-SUB", "ge", "每用户每年",
     "1080.00", "820.00", "service"),
    ("SUB-CLOUD", "云主机包年", "Cloud server, yearly", "SW-SUB", "tai", "8 核 32GB / 500GB 云盘 / 1 年",
     "15600.00", "11200.00", "service"),
    ("SUB-BAK", "云备份订阅", "Cloud backup subscription", "SW-SUB", "tao", "10TB / 1 年",
     "12000.00", "8400.00", "service"),
    ("SVC-INST", "服务器安装调试", "Server installation", "SV-INS", "tai", "上架、系统安装、基础配置",
     "1500.00", "600.00", "service"),
    ("SVC-NET", "网络布线与调试", "Cabling and network set-up", "SV-INS", "xiang", "50 信息点以内",
     "12000.00", "6500.00", "service"),
    ("SVC-ERP", "ERP 实施服务", "ERP implementation", "SV-INS", "day", "顾问人天",
     "2800.00", "1300.00", "service"),
    ("SVC-MIG", "数据迁移服务", "Data migration", "SV-INS", "xiang", "旧系统数据清洗与导入",
     "18000.00", "9000.00", "service"),
    ("TRN-USER", "最终用户培训", "End-user training", "SV-TRN", "day", "现场 / 20 人以内",
     "4500.00", "2000.00", "service"),
    ("TRN-ADMIN", "系统管理员培训", "Administrator training", "SV-TRN", "day", "含认证考试",
     "6800.00", "3100.00", "service"),
    ("OPS-YEAR", "年度运维服务", "Yearly support", "SV-OPS", "xiang", "5×8 响应 / 季度巡检",
     "36000.00", "18000.00", "service"),
    ("OPS-247", "7×24 驻场运维", "24/7 on-site support", "SV-OPS", "xiang", "驻场工程师 1 名 / 1 年",
     "186000.00", "120000.00", "service"),
    ("OPS-HOUR", "远程技术支持", "Remote support", "SV-OPS", "hour", "按小时计费",
     "380.00", "150.00", "service"),
    ("EXB-STD", "标准展位", "Standard booth", "EX-BOOTH", "ge", "3m×3m / 含楣板、射灯、桌椅",
     "12800.00", "8000.00", "service"),
    ("EXB-RAW", "光地展位", "Raw space", "EX-BOOTH", "sqm", "36 平方米起租",
     "1380.00", "900.00", "service"),
    ("EXB-CRN", "转角展位加价", "Corner booth surcharge", "EX-BOOTH", "ge", "双开口",
     "2500.00", "0.00", "service"),
    ("EXS-SPEC", "特装展台搭建", "Custom stand building", "EX-BUILD", "sqm", "木结构 / 含设计",
     "1200.00", "780.00", "service"),
    ("EXS-LED", "LED 屏租赁", "LED wall rental", "EX-BUILD", "sqm", "P3.9 室内屏 / 展期",
     "650.00", "400.00", "service"),
    ("EXS-POW", "展位用电", "Booth power supply", "EX-BUILD", "ci", "380V / 15kW / 展期",
     "2200.00", "1500.00", "service"),
    ("EXA-BAN", "场馆横幅广告", "Hall banner", "EX-AD", "jian", "10m×2m / 展期",
     "18000.00", "9000.00", "service"),
    ("EXA-CAT", "会刊彩页广告", "Catalogue full-page advert", "EX-AD", "jian", "A4 整版彩页",
     "8800.00", "3000.00", "service"),
    ("EXA-GATE", "入口拱门广告", "Entrance arch advert", "EX-AD", "jian", "主入口 / 展期",
     "45000.00", "22000.00", "service"),
]

#: a bundle: SKU, name, English name, category, unit, specification, list price, components
BUNDLES = [
    ("KIT-OFFICE", "小型办公网络套装", "Small office network kit", "HW-NET", "tao",
     "交换机 + 防火墙 + 4 个 AP + 安装",
     "49800.00", [("NET-SW24", "1"), ("NET-FW200", "1"), ("NET-AP6", "4"), ("SVC-NET", "1")]),
]


def load(db: Session, orgs: dict[str, int], users: dict[str, int]) -> None:
    """Currencies, rates and units (unless the installation has them), and
    the head office's categories, products and price lists."""
    if db.scalar(select(Currency.id).limit(1)) is None:
        for code, name, name_en, symbol, places, rates in CURRENCIES:
            currency = Currency(code=code, name=name, name_en=name_en, symbol=symbol, places=places,
                                is_base=code == "CNY")
            db.add(currency)
            db.flush()
            db.add_all([ExchangeRate(currency_id=currency.id, valid_on=on, rate=Decimal(rate)) for on,
                        rate in rates])
    if db.scalar(select(Unit.id).limit(1)) is None:
        db.add_all([Unit(code=c, name=n, name_en=e, places=p) for c, n, e, p in UNITS])
    db.flush()
    if "HQ" not in orgs:
        return
    org = orgs["HQ"]
    units = {code: i for code, i in db.execute(select(Unit.code, Unit.id))}
    categories: dict[str, Category] = {}
    for n, (code, name, name_en, parent) in enumerate(CATEGORIES):
        up = categories[parent] if parent else None
        category = Category(org_id=org, code=code, name=name, name_en=name_en, parent_id=up.id if up else None,
                            sequence=(n + 1) * 10)
        db.add(category)
        db.flush()
        category.path = f"{up.path if up else '/'}{category.id}/"
        categories[code] = category
    products: dict[str, Product] = {}
    for sku, name, name_en, cat, unit, spec, price, cost, kind in PRODUCTS:
        products[sku] = Product(org_id=org, code=sku, name=name, name_en=name_en, kind=kind,
                                category_id=categories[cat].id, unit_id=units[unit], spec=spec,
                                barcode=_barcode(sku) if kind == "goods" else "",
                                list_price=Decimal(price), cost_price=Decimal(cost),
                                tax_rate=Decimal(13 if kind == "goods" else 6))
    for sku, name, name_en, cat, unit, spec, price, _parts in BUNDLES:
        products[sku] = Product(org_id=org, code=sku, name=name, name_en=name_en,
                                category_id=categories[cat].id,
                                unit_id=units[unit], spec=spec, list_price=Decimal(price), is_bundle=True,
                                tax_rate=Decimal(13))
    db.add_all(products.values())
    db.flush()
    for sku, *_rest, parts in BUNDLES:
        db.add_all([BundleItem(bundle_id=products[sku].id, product_id=products[part].id, quantity=Decimal(qty),
                               sequence=(n + 1) * 10) for n, (part, qty) in enumerate(parts)])
    _price_lists(db, org, products)


def _price_lists(db: Session, org: int, products: dict[str, Product]) -> None:
    vip = PriceList(org_id=org, name="VIP 客户价 2026", currency_code="CNY", customer_level="vip",
                    valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), priority=20,
                    note="VIP 客户在目录价基础上约九五折。")
    export = PriceList(org_id=org, name="出口价目表（美元）", currency_code="USD", valid_from=date(2026, 1, 1),
                       priority=10, note="海外客户与展商报价用，含出口包装。")
    volume = PriceList(org_id=org, name="批量采购阶梯价", currency_code="CNY", valid_from=date(2026, 1, 1),
                       priority=10, note="按数量阶梯：10 台起、50 台起。")
    db.add_all([vip, export, volume])
    db.flush()
    items: list[PriceListItem] = []
    for sku, product in products.items():
        if product.is_bundle or sku.startswith("EX"):
            continue
        items.append(PriceListItem(price_list_id=vip.id, product_id=product.id, min_quantity=Decimal(1),
                                   price=rounded(product.list_price * Decimal("0.95"), 0)))
    for sku in ("SRV-R740", "SRV-R640", "NET-SW48", "NET-FW200", "LIC-ERP", "LIC-CRM", "EXB-STD", "EXB-RAW",
                "EXS-SPEC", "EXA-CAT"):
        usd = products[sku].list_price / Decimal("7.10") * Decimal("1.05")  # export packing and margin
        items.append(PriceListItem(price_list_id=export.id, product_id=products[sku].id,
                                   min_quantity=Decimal(1),
                                   price=rounded(usd, 0)))
    for sku in ("OFF-PC", "OFF-NB", "NET-AP6", "LIC-CRM", "LIC-AV", "SUB-M365"):
        price = products[sku].list_price
        for quantity, factor in (("10", "0.95"), ("50", "0.90")):
            items.append(PriceListItem(price_list_id=volume.id, product_id=products[sku].id,
                                       min_quantity=Decimal(quantity), price=rounded(price * Decimal(factor),
                                                                                     2)))
    db.add_all(items)


def _barcode(sku: str) -> str:
    """A fixed 13-digit barcode of the SKU (69: China's GS1 prefix)."""
    return f"69{zlib.crc32(sku.encode()) % 10**11:011d}"

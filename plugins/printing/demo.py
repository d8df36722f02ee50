"""Demo data: the head office's letterhead, with a drawn logo and seal, so
the demo's prints look like a company's."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from plugins.printing.models import Letterhead


def load_demo(session: Session, orgs: dict[str, int]) -> None:
    if "HQ" not in orgs:
        return
    session.add(Letterhead(
        org_id=orgs["HQ"], address_en="1 Zhongguancun Street, Haidian District, Beijing",
        tax_id="91110108MA01ABCD2X", bank_name="中国工商银行北京中关村支行",
        bank_account="0200 0045 0902 1234 567", logo=_png(_logo()), logo_type="image/png",
        seal=_png(_seal()), seal_type="image/png"))


def _logo() -> Image.Image:
    """The suite's mark: three beads of an abacus on a blue square."""
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 239, 239), radius=52, fill="#1f6feb")
    for x, y in ((75, 82), (165, 82), (120, 158)):
        draw.ellipse((x - 23, y - 23, x + 23, y + 23), fill="white")
    return image


def _seal() -> Image.Image:
    """A round red seal: a ring, an inner ring and a star (no words, no font needed)."""
    image = Image.new("RGBA", (480, 480), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (208, 2, 27, 230)
    draw.ellipse((10, 10, 469, 469), outline=red, width=14)
    draw.ellipse((60, 60, 419, 419), outline=red, width=3)
    draw.regular_polygon((240, 240, 86), 5, fill=red)
    return image


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()

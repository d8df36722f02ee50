"""Pictures of a product: PNG, JPEG or WebP, checked with Pillow and at
most 2 MB before they are stored; the first by ``sequence`` is the main one.
Whoever may read the product may see them; whoever may update it keeps them."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import N_, Actor, NotFound, ValidationError, get_for
from plugins.catalog.models import Product, ProductImage

#: the largest image kept
MAX_BYTES = 2 * 1024 * 1024
#: the widest or tallest image, in pixels
MAX_SIDE = 6000
#: Pillow's format -> the content type kept (the type comes from the bytes, never the name)
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def check_image(data: bytes) -> str:
    """The content type of an image a product may show, or ValidationError on ``image``."""
    if not data:
        raise ValidationError({"image": N_("Choose an image file.")})
    if len(data) > MAX_BYTES:
        raise ValidationError({"image": N_("The image is larger than 2 MB.")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                kind = FORMATS[str(image.format)]
                if max(image.size) > MAX_SIDE:
                    raise ValidationError({"image": N_("The image is larger than 6000 × 6000 pixels.")})
                image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, KeyError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ValidationError({"image": N_("Only PNG, JPEG and WebP images can be used.")}) from None
    return kind


def add_image(db: Session, actor: Actor, product_id: int, filename: str, data: bytes) -> ProductImage:
    """Keep ``data`` as the last picture of the product."""
    product = get_for(db, actor, Product, product_id, "update")
    kind = check_image(data)
    last = max((i.sequence for i in images_of(db, product.id)), default=0)
    image = ProductImage(product_id=product.id, filename=filename[:200], content_type=kind, data=data,
                         sequence=last + 10)
    db.add(image)
    db.flush()
    return image


def images_of(db: Session, product_id: int) -> list[ProductImage]:
    """The product's pictures in order (the caller checked the reader may see the product)."""
    return list(db.scalars(select(ProductImage).where(ProductImage.product_id == product_id)
                           .order_by(ProductImage.sequence, ProductImage.id)))


def image_for(db: Session, actor: Actor, product_id: int, image_id: int) -> ProductImage:
    """One picture of a product ``actor`` may read; NotFound otherwise."""
    get_for(db, actor, Product, product_id)
    image = db.scalar(select(ProductImage).where(ProductImage.id == image_id,
                                                 ProductImage.product_id == product_id))
    if image is None:
        raise NotFound()
    return image


def delete_image(db: Session, actor: Actor, product_id: int, image_id: int) -> None:
    get_for(db, actor, Product, product_id, "update")
    db.delete(image_for(db, actor, product_id, image_id))


def move_image(db: Session, actor: Actor, product_id: int, image_id: int, step: int) -> None:
    """Move a picture one place earlier (``step`` -1) or later (+1); the first is the main one."""
    get_for(db, actor, Product, product_id, "update")
    images = images_of(db, product_id)
    at = next((n for n, i in enumerate(images) if i.id == image_id), None)
    if at is None:
        raise NotFound()
    to = min(max(at + step, 0), len(images) - 1)
    images.insert(to, images.pop(at))
    for n, image in enumerate(images):
        image.sequence = (n + 1) * 10


def main_images(db: Session, product_ids: list[int]) -> dict[int, int]:
    """product id -> the id of its main picture, for those that have one."""
    if not product_ids:
        return {}
    rows = db.execute(select(ProductImage.product_id, ProductImage.id)
                      .where(ProductImage.product_id.in_(product_ids))
                      .order_by(ProductImage.product_id, ProductImage.sequence.desc(), ProductImage.id.desc()))
    return {product: image for product, image in rows}

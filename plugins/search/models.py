"""The search index: one row per searchable record of any plugin.

The columns hold the record's searchable values already normalised
(:mod:`plugins.search.normalise`), so a query compares plain strings.
Substring matching goes through an index the ORM does not know about,
created by the plugin's migration for each database:

* SQLite: the FTS5 table ``search_fts`` (``tokenize='trigram'``) with
  ``search_entry`` as its external content, kept in step by triggers, so
  every write to the entry updates it in the same transaction;
* PostgreSQL: the ``pg_trgm`` extension and one GIN trigram index over the
  matched columns (declared below for PostgreSQL only).

Queries of one or two characters, which a trigram cannot match, look in
``grams``: the title's (and its initials') single characters and pairs,
each between spaces, so that ``农展`` is the four-character `` 农展 ``.
"""

from __future__ import annotations

from sqlalchemy import Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core import N_, Base, BigId, IdMixin

#: the columns a substring query matches (FTS columns and trigram-indexed)
MATCHED = ("blob", "pinyin", "initials", "phones", "emails", "codes", "grams")


class SearchEntry(IdMixin, Base):
    """What the global search knows of one record: its title and normalised text."""

    __tablename__ = "search_entry"
    __label__ = N_("Search entry")
    __table_args__ = (
        UniqueConstraint("model", "record_id"),
        # a title prefix is always looked for in one model: with the model first, SQLite takes
        # this index without statistics (it took the unique (model, record_id) one and read every
        # entry of the model, 0.5 ms at 1,000 customers, growing with them, until ANALYZE)
        Index("ix_search_entry_model_title_key", "model", "title_key"),
        # PostgreSQL: the trigram index. SQLite has the FTS5 table instead, so
        # there the index is declared empty (WHERE 0) rather than left out, which
        # keeps the models and the migration equal on both databases.
        Index("ix_search_entry_trgm", *MATCHED, postgresql_using="gin",
              postgresql_ops={c: "gin_trgm_ops" for c in MATCHED}, sqlite_where=text("0")),
    )

    model: Mapped[str] = mapped_column(String(120), info={"label": N_("Record type")})
    record_id: Mapped[int] = mapped_column(BigId, info={"label": N_("Record")})
    org_id: Mapped[int | None] = mapped_column(BigId, info={"label": N_("Organisation")})
    title: Mapped[str] = mapped_column(String(300), info={"label": N_("Title")})
    subtitle: Mapped[str] = mapped_column(String(300), default="", info={"label": N_("Subtitle")})
    #: the normalised title, cut to 100 characters: exact and prefix matches
    title_key: Mapped[str] = mapped_column(String(100), info={"label": N_("Title key")})
    #: every text value, normalised (NFKC, lower case), one per line
    blob: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Text")})
    #: full pinyin of the title and text values, without spaces
    pinyin: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Pinyin")})
    #: pinyin initials of the title and text values
    initials: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Initials")})
    phones: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("Phones")})
    emails: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("E-mail")})
    codes: Mapped[str] = mapped_column(String(500), default="", info={"label": N_("Codes")})
    #: one- and two-character pieces of the title and its initials (short queries)
    grams: Mapped[str] = mapped_column(Text, default="", info={"label": N_("Short pieces")})


MODELS: tuple[type[Base], ...] = (SearchEntry,)

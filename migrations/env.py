"""Alembic environment shared by the kernel and every plugin branch.

Run through ``suanpan migrate`` (core.migrate), which passes the kernel in
``config.attributes``; the kernel's and enabled plugins' models are then
registered on ``Base.metadata``.
"""

from __future__ import annotations

from alembic import context

from core.db import Base

config = context.config
kernel = config.attributes["kernel"]
connection = config.attributes.get("connection")


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    if type_ == "table":
        return name in kernel_tables()
    return True


def kernel_tables() -> set[str]:
    return set(config.attributes.get("tables") or Base.metadata.tables)


def run(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=conn.dialect.name == "sqlite",
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    with kernel.db.engine.connect() as conn:
        run(conn)
        conn.commit()

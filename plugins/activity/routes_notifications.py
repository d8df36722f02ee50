"""The notification pages, on the plugin's ``routes`` (``/activity``): the
inbox, the bell's live unread count, the user's preferences and the
organisation's e-mail and SMS settings.

Every inbox route works on the signed-in user's own notifications only:
anyone else's id answers 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
from markupsafe import escape
from starlette.responses import RedirectResponse, Response, StreamingResponse

from core import AUTHENTICATED, N_, Ctx, NotFound, Panel, ValidationError
from plugins.activity.channels import SECURITY, Rendered
from plugins.activity.routes import routes
from plugins.activity.services import channel_settings, notifications
from plugins.activity.services.notifications import CATEGORIES

#: the stream polls the database this often, in seconds (setting ``notification_poll_seconds``)
POLL_SECONDS = 3.0
#: a stream ends after this long and the browser opens a new one, signed in
#: anew (setting ``notification_stream_seconds``)
STREAM_SECONDS = 300.0
#: a comment line this often: a proxy keeps the connection, a gone client is noticed
HEARTBEAT_SECONDS = 15.0
RETRY_MS = 5000



# ------------------------------------------------------------------ the inbox


@routes.get("/notifications", name="notification_list", permission=AUTHENTICATED)
def notification_list(ctx: Ctx) -> Response:
    items = notifications.inbox(ctx.db, ctx.user.user_id)
    return ctx.render("activity/notification_list.html", items=items,
                      unread=sum(1 for i in items if i.read_at is None))


@routes.post("/notifications/{id:int}/read", name="notification_read", permission=AUTHENTICATED)
def notification_read(ctx: Ctx) -> Response:
    item = notifications.mark_read(ctx.db, ctx.user.user_id, ctx.params["id"])
    if ctx.is_htmx:
        return ctx.render("activity/_notification_row.html", item=item)
    return ctx.redirect("notification_list")


@routes.post("/notifications/read-all", name="notification_read_all", permission=AUTHENTICATED)
def notification_read_all(ctx: Ctx) -> Response:
    notifications.mark_all_read(ctx.db, ctx.user.user_id)
    return ctx.redirect("notification_list")


@routes.post("/notifications/{id:int}/open", name="notification_open", permission=AUTHENTICATED)
def notification_open(ctx: Ctx) -> Response:
    """Mark it read and go where it links to (a path of the suite only)."""
    item = notifications.mark_read(ctx.db, ctx.user.user_id, ctx.params["id"])
    target = _suite_path(item.link) or ctx.url_for("notification_list")
    if ctx.is_htmx:
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _suite_path(link: str) -> str:
    if not link.startswith("/") or link[1:2] in ("/", "\\") or "\n" in link or "\r" in link:
        return ""
    return link


# ------------------------------------------------------------------ the bell


@routes.get("/notifications/bell", name="notification_bell", permission=AUTHENTICATED)
def notification_bell(ctx: Ctx) -> Response:
    return ctx.render("activity/_bell.html", item=bell(ctx.db, ctx.user.user_id))


def bell(session: Any, user_id: int) -> Panel:
    """The top bar's bell with the user's unread count (``topbar_items``)."""
    return Panel("activity-bell", N_("Notifications"), "activity/_bell.html",
                 {"unread": notifications.unread_count(session, user_id)}, order=10)


@routes.get("/notifications/stream", name="notification_stream", permission=AUTHENTICATED)
def notification_stream(ctx: Ctx) -> Response:
    """Server-sent events: ``event: unread`` with the count at once, then
    whenever it changes. The handler returns at once; the stream runs on the
    event loop and polls in short worker-thread calls, so an open stream
    holds none of the request threads. A request that does not accept
    ``text/event-stream`` gets the first event only."""
    extra = ctx.kernel.settings.extra
    # a client that does not ask for a stream (EventSource always does) gets the count once
    wants_stream = "text/event-stream" in ctx.request.headers.get("accept", "")
    stream = _events(ctx.kernel, ctx.user.user_id,
                     notifications.unread_count(ctx.db, ctx.user.user_id),
                     float(extra.get("notification_poll_seconds", POLL_SECONDS)),
                     float(extra.get("notification_stream_seconds", STREAM_SECONDS)) if wants_stream else 0.0)
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _events(kernel: Any, user_id: int, count: int, poll: float, lifetime: float) -> AsyncIterator[str]:
    yield f"retry: {RETRY_MS}\nevent: unread\ndata: {count}\n\n"
    end = anyio.current_time() + lifetime
    beat = anyio.current_time() + HEARTBEAT_SECONDS
    while anyio.current_time() < end:
        await anyio.sleep(min(poll, max(end - anyio.current_time(), 0)))
        now = await anyio.to_thread.run_sync(_unread, kernel, user_id)
        if now != count:
            count = now
            yield f"event: unread\ndata: {count}\n\n"
        elif anyio.current_time() >= beat:
            yield ": keep-alive\n\n"
        else:
            continue
        beat = anyio.current_time() + HEARTBEAT_SECONDS


def _unread(kernel: Any, user_id: int) -> int:
    with kernel.db.session(write=False) as db:
        return notifications.unread_count(db, user_id)


# ------------------------------------------------------------------ preferences


@routes.route("/notifications/preferences", name="preference_edit", permission=AUTHENTICATED,
              methods=("GET", "POST"))
def preference_edit(ctx: Ctx) -> Response:
    outgoing = list(notifications.channels(ctx.kernel.pm.hook).values())
    pairs = [(ch.key, cat) for ch in outgoing for cat in CATEGORIES]
    if ctx.request.method == "POST":
        chosen = {pair for pair in pairs if ctx.field(f"{pair[0]}:{pair[1]}") == "on"}
        notifications.save_preferences(ctx.db, ctx.user.user_id, pairs, chosen)
        return ctx.redirect("preference_edit", flash="saved")
    prefs = notifications.preferences(ctx.db, ctx.user.user_id)
    return ctx.render("activity/preference_edit.html", channels=outgoing,
                      categories=notifications.CATEGORY_LABELS, prefs=prefs)


# ------------------------------------------------------------------ the organisation's channels


@routes.get("/notifications/channels", name="channel_settings", permission="activity.channel_settings.update")
def channel_settings_page(ctx: Ctx) -> Response:
    return _settings_page(ctx)


def _settings_page(ctx: Ctx, *, status: int = 200, errors: dict[str, dict[str, str]] | None = None,
                   values: dict[str, dict[str, Any]] | None = None, failure: str = "",
                   success: str = "") -> Response:
    org_id = ctx.user.org_id
    views = {key: channel_settings.public_view(channel_settings.get_settings(ctx.db, org_id, key), key)
             for key in channel_settings.SPECS}
    for key, given in (values or {}).items():
        views[key].update(given)
    return ctx.render("activity/channel_settings.html", status=status, views=views, errors=errors or {},
                      security=SECURITY, failure=failure, success=success)


@routes.post("/notifications/channels/{channel}", name="channel_save",
             permission="activity.channel_settings.update")
def channel_save(ctx: Ctx) -> Response:
    key = _channel(ctx)
    spec = channel_settings.SPECS[key]
    form = {f: ctx.field(f) for f in (*spec.fields, *spec.secrets, "enabled")}
    try:
        channel_settings.save_settings(ctx.db, ctx.user.org_id, key, form)
    except ValidationError as exc:
        shown: dict[str, Any] = {f: v for f, v in form.items() if f not in spec.secrets}
        shown["enabled"] = form["enabled"] == "on"
        return _settings_page(ctx, status=422, errors={key: {f: ctx._(m) for f, m in exc.errors.items()}},
                              values={key: shown})
    return ctx.redirect("channel_settings", flash="saved")


@routes.post("/notifications/channels/{channel}/test", name="channel_test",
             permission="activity.channel_settings.update")
def channel_test(ctx: Ctx) -> Response:
    key = _channel(ctx)
    subject = ctx._("Test message from Suanpan")
    label = notifications.channels(ctx.kernel.pm.hook)[key].label
    body = ctx._("If you can read this, {channel} works.", channel=ctx._(label))
    rendered = Rendered(subject=subject, text=body, html=f"<p>{escape(body)}</p>",
                        short=ctx._("[Suanpan] {subject}", subject=body), url="")
    try:
        channel_settings.send_test(ctx.db, ctx.user.org_id, key, ctx.field("to"), rendered)
    except ValidationError as exc:
        return _settings_page(ctx, status=422, errors={key: {f: ctx._(m) for f, m in exc.errors.items()}})
    except Exception as exc:  # noqa: BLE001 - the administrator reads what the server said
        error = f"{type(exc).__name__}: {exc}"
        return _settings_page(ctx, failure=ctx._("Sending failed: {error}", error=error))
    return _settings_page(ctx, success=ctx._("The test message was sent to {to}.", to=ctx.field("to")))


def _channel(ctx: Ctx) -> str:
    key = str(ctx.params["channel"])
    if key not in channel_settings.SPECS:
        raise NotFound()
    return key

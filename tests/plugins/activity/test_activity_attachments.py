"""Attachments: content-addressed storage, type sniffing that ignores the
name, the size limit, and safe download headers."""

from __future__ import annotations

import hashlib
import io
import sys
import uuid
import zipfile
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import pytest
from sqlalchemy import select

from core import hookimpl
from core.app import Kernel
from core.plugins import Manifest
from plugins.activity.models import Attachment
from plugins.activity.sniff import OLE, download_name, sniff
from plugins.activity.storage import BlobStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def unique(data: bytes) -> bytes:
    """The same kind of content, but not the same blob as another test's."""
    return data + b"\n%" + uuid.uuid4().hex.encode()


def upload(client, memo_id: int, name: str, data: bytes, ctype: str = "application/pdf", **kw):
    return client.post(f"/activity/records/notes.note/{memo_id}/attachments",
                       data={"csrf_token": client.csrf()}, files={"file": (name, data, ctype)},
                       follow_redirects=False, **kw)


def attachments(kernel) -> list[Attachment]:
    with kernel.db.session(write=False) as db:
        return list(db.scalars(select(Attachment).order_by(Attachment.id)))


# ----------------------------------------------------------------- sniffing


def office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "name", "expected"), [
    (PDF, "x.bin", "application/pdf"),
    (PNG, "x.pdf", "image/png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "x", "image/jpeg"),
    (b"GIF89a" + b"\x00" * 20, "x", "image/gif"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "x", "image/webp"),
    (office("word/"), "x.zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (office("xl/"), "x", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (office("ppt/"), "x", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (office("other/")[:-1] + b"", "x.docx", "application/octet-stream"),  # a broken archive
    (OLE + b"\x00" * 100 + "WordDocument".encode("utf-16-le"), "x", "application/msword"),
    (OLE + b"\x00" * 100 + "Workbook".encode("utf-16-le"), "x.doc", "application/vnd.ms-excel"),
    (OLE + b"\x00" * 100, "setup.doc", "application/octet-stream"),  # an installer, say
    ("客户名单\n张三,13800000000\n".encode(), "list.txt", "text/plain; charset=utf-8"),
    ("名称,数量\n螺丝,100\n".encode("gb18030"), "stock.csv", "text/csv; charset=gb18030"),
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "invoice.pdf", "application/octet-stream"),
    (b"\x7fELF\x02\x01\x01\x00", "x.txt", "application/octet-stream"),
    (b"#!/bin/sh\nrm -rf /\n", "run.txt", "application/octet-stream"),
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "x.pdf", "application/octet-stream"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.png", "application/octet-stream"),
    (b"hello\n<script>alert(1)</script>", "x.txt", "application/octet-stream"),
])
def test_the_type_comes_from_the_content_never_the_name(tmp_path: Path, data, name, expected):
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sniff(path, name) == expected


def test_a_download_keeps_its_name_unless_the_name_claims_another_type():
    assert download_name("合同.pdf", "application/pdf") == "合同.pdf"
    assert download_name("report.html", "application/pdf") == "report.html.pdf"
    assert download_name("invoice.pdf", "application/octet-stream") == "invoice.pdf"
    assert download_name("名单.csv", "text/csv; charset=utf-8") == "名单.csv"


# ----------------------------------------------------------------- upload and download


def test_an_executable_renamed_to_pdf_is_stored_as_octet_stream_and_only_downloaded(
        client, admin, memo, kernel):
    memo_id = memo(admin)
    exe = unique(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
    assert upload(client, memo_id, "invoice.pdf", exe).status_code == 303
    (item,) = attachments(kernel)
    assert item.content_type == "application/octet-stream" and item.filename == "invoice.pdf"
    response = client.get(f"/activity/attachments/{item.id}?inline=1")
    assert response.status_code == 200 and response.content == exe
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")


def test_html_pretending_to_be_a_pdf_is_never_shown_inline(client, admin, memo, kernel):
    memo_id = memo(admin)
    html = unique(b"<html><body><script>document.cookie</script></body></html>")
    upload(client, memo_id, "scan.pdf", html)
    (item,) = attachments(kernel)
    response = client.get(f"/activity/attachments/{item.id}?inline=1")
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "default-src 'none'"


def test_images_and_pdfs_may_be_shown_inline_with_the_sniffed_type(client, admin, memo, kernel):
    memo_id = memo(admin)
    upload(client, memo_id, "photo.bin", unique(PNG), "application/octet-stream")
    (item,) = attachments(kernel)
    assert item.content_type == "image/png"
    inline = client.get(f"/activity/attachments/{item.id}?inline=1")
    assert inline.headers["content-type"] == "image/png"
    assert inline.headers["content-disposition"].startswith("inline;")
    assert inline.headers["x-content-type-options"] == "nosniff"
    download = client.get(f"/activity/attachments/{item.id}")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert 'filename="photo.bin.png"' in download.headers["content-disposition"]
    # and the timeline shows a thumbnail
    assert f'src="/activity/attachments/{item.id}?inline=1"' in client.get(f"/notes/{memo_id}").text


def test_a_chinese_file_name_downloads_under_its_name(client, admin, memo, kernel):
    memo_id = memo(admin)
    upload(client, memo_id, "C:\\fakepath\\2026年 合同(盖章).pdf", unique(PDF))
    (item,) = attachments(kernel)
    assert item.filename == "2026年 合同(盖章).pdf"
    header = client.get(f"/activity/attachments/{item.id}").headers["content-disposition"]
    assert header == ("attachment; filename=\"2026_ __(__).pdf\"; "
                      f"filename*=UTF-8''{quote('2026年 合同(盖章).pdf', safe='')}")
    assert "filename*=UTF-8''2026%E5%B9%B4%20%E5%90%88%E5%90%8C%28%E7%9B%96%E7%AB%A0%29.pdf" in header


def test_a_name_loses_the_invisible_characters_that_make_it_read_as_another(client, admin, memo, kernel):
    # "invoice<RLO>fdp.exe" shows as "invoiceexe.pdf"; a zero width space and a BOM hide in a name too
    memo_id = memo(admin)
    upload(client, memo_id, "invoice\u202efdp.exe", unique(PDF))
    upload(client, memo_id, "\ufeff合\u200b同\u2028.pdf", unique(PDF))
    assert [a.filename for a in attachments(kernel)] == ["invoicefdp.exe", "合同.pdf"]


def test_a_file_over_the_limit_is_refused_naming_the_field(client, admin, memo, kernel, upload_limit, store):
    memo_id = memo(admin)
    upload_limit(0.01)  # about 10 KB
    big = unique(PDF + b"0" * 11_000)
    response = upload(client, memo_id, "big.pdf", big, headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"file": "文件超过了上传大小上限。"}
    htmx = upload(client, memo_id, "big.pdf", big, headers={"HX-Request": "true"})
    assert htmx.status_code == 422 and "文件超过了上传大小上限。" in htmx.text
    assert "单个文件不超过 0.01 MB。" in htmx.text
    assert attachments(kernel) == []
    assert not list((store.root / "tmp").iterdir()), "no scratch file stays behind"
    # a body far over the limit is refused before it is read
    huge = upload(client, memo_id, "huge.pdf", big + b"0" * 300_000)
    assert huge.status_code == 413


def test_an_empty_upload_is_refused(client, admin, memo, kernel):
    memo_id = memo(admin)
    assert upload(client, memo_id, "empty.pdf", b"").status_code == 422
    assert client.submit(f"/activity/records/notes.note/{memo_id}/attachments", {}).status_code == 422


def test_identical_content_is_stored_once_and_removed_with_its_last_attachment(
        client, admin, memo, kernel, store):
    first, second = memo(admin, "甲"), memo(admin, "乙")
    content = unique(PDF)
    upload(client, first, "合同.pdf", content)
    upload(client, second, "合同副本.pdf", content)
    a, b = attachments(kernel)
    # two attachments, one blob, at ab/cd/<sha256>
    assert a.sha256 == b.sha256
    blob = store.path(a.sha256)
    assert blob == store.root / a.sha256[:2] / a.sha256[2:4] / a.sha256
    assert blob.read_bytes() == content
    assert len([p for p in blob.parent.iterdir() if p.name == a.sha256]) == 1
    # deleting one keeps the blob for the other
    assert client.submit(f"/activity/attachments/{a.id}/delete", {},
                         follow_redirects=False).status_code == 303
    assert blob.exists()
    assert client.get(f"/activity/attachments/{b.id}").content == content
    # deleting the last one removes it
    client.submit(f"/activity/attachments/{b.id}/delete", {}, headers={"HX-Request": "true"})
    assert not blob.exists()
    assert attachments(kernel) == []


def test_a_delete_that_fails_keeps_the_blob(client, admin, make, new_client, memo, kernel, store):
    memo_id = memo(admin)
    upload(client, memo_id, "keep.pdf", unique(PDF))
    (item,) = attachments(kernel)
    make.user(roles=(), username="reader", grants={"notes.note.read": "org"})
    reader = new_client()
    reader.login("reader")
    assert reader.submit(f"/activity/attachments/{item.id}/delete", {}).status_code == 403
    assert store.exists(item.sha256) and len(attachments(kernel)) == 1


def test_the_store_can_live_elsewhere(client, admin, memo, kernel, tmp_path):
    from dataclasses import replace

    kernel.settings = replace(kernel.settings, extra={**kernel.settings.extra,
                                                      "attachments_dir": str(tmp_path / "files")})
    memo_id = memo(admin)
    upload(client, memo_id, "a.pdf", unique(PDF))
    (item,) = attachments(kernel)
    assert (tmp_path / "files" / item.sha256[:2] / item.sha256[2:4] / item.sha256).is_file()


@pytest.fixture
def failing_kernel(kernel, base_settings, monkeypatch):
    """A kernel with a plugin whose on_record_created fails for attachments,
    so that the upload's transaction rolls back after its blob was written."""
    def on_record_created(session, actor, record):
        if record.__model_key__ == "activity.attachment":
            raise RuntimeError("the transaction must roll back")

    module = ModuleType("suanpan_test_failing")
    module.__path__ = []  # type: ignore[attr-defined]
    module.on_record_created = hookimpl(on_record_created)
    monkeypatch.setitem(sys.modules, "suanpan_test_failing", module)
    started = Kernel(base_settings, extra_plugins=[(Manifest(
        name="failing", module="suanpan_test_failing", path=base_settings.var_dir), module)])
    yield started
    started.db.dispose()


def test_a_blob_written_by_a_transaction_that_rolls_back_is_removed(failing_kernel, make, memo, client, caplog):
    # given an upload whose transaction fails after the blob was written
    memo_id = memo(make.user(username="root"))
    content = unique(PDF)
    with type(client)(failing_kernel.asgi(), base_url="http://testserver") as browser:
        browser.login("root")
        answer = upload(browser, memo_id, "doomed.pdf", content)
    # then the user gets the generic error page (the failure goes to the log)
    assert answer.status_code == 500
    assert "roll back" not in answer.text
    assert any("roll back" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    # then neither the row nor the blob stays
    assert attachments(failing_kernel) == []
    assert not BlobStore.from_settings(failing_kernel.settings).exists(hashlib.sha256(content).hexdigest())

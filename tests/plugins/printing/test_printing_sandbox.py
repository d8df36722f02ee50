"""Templates an administrator edits can read only the document they print
(design rule 9): the sandbox refuses other data, underscores, files and
other templates with a clear error, and refuses to save such a template."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from plugins.printing.models import PrintTemplate

EDITOR = "/printing/templates/notes.expense"


def template(content: str, *, head: str = '{% extends "print/layout.html" %}') -> str:
    return f"{head}\n{{% block content %}}\n{content}\n{{% endblock %}}\n"


def versions(kernel) -> int:
    with kernel.db.session(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(PrintTemplate)) or 0)


@pytest.fixture
def claim(admin, hq, expense):
    return expense(admin)


@pytest.mark.parametrize(("source", "says"), [
    (template("{% include '/etc/passwd' %}"), "不能 include 或 import 其他模板"),
    (template("{% import 'print/layout.html' as layout %}"), "不能 include 或 import 其他模板"),
    (template("{{ ''.__class__ }}"), "__class__ 以下划线开头"),
    (template("{{ doc.__init__ }}"), "__init__ 以下划线开头"),
    (template("{{ doc['__class__'] }}"), "__class__ 以下划线开头"),
    (template("{{ _.__dict__ }}"), "__dict__ 以下划线开头"),
    (template("<p>x</p>", head='{% extends "base.html" %}'), "必须以 {% extends &#34;print/layout.html&#34; %} 开头"),
    (template("<p>x</p>", head='{% extends "/etc/passwd" %}'), "必须以"),
    (template("<p>x</p>", head=""), "必须以"),
    (template("{% for x in doc %}"), "语法错误"),
])
def test_a_template_reaching_beyond_its_document_is_refused_before_it_runs(kernel, client, claim, source,
                                                                           says):
    # when an administrator previews such a template on a real claim
    preview = client.submit(f"{EDITOR}/preview", {"source": source, "record": str(claim), "lang": "zh_CN"})
    # then the preview shows why, with the line, and no PDF
    assert preview.status_code == 200
    assert says in preview.text and "第 " in preview.text and "data:application/pdf" not in preview.text
    # and saving it is refused with the same error; no version is kept
    saved = client.submit(EDITOR, {"source": source, "record": str(claim), "lang": "zh_CN"})
    assert saved.status_code == 422 and says in saved.text
    assert versions(kernel) == 0


@pytest.mark.parametrize(("expression", "says"), [
    ("{{ doc['__cla' ~ 'ss__'] }}", "模板试图读取打印不允许读取的内容"),
    ("{{ doc|attr('__class__') }}", "模板试图读取打印不允许读取的内容"),
    ("{{ doc.update({'title': '改过的'}) }}", "模板试图读取打印不允许读取的内容"),
    ("{{ doc.lines.append(1) }}", "模板试图读取打印不允许读取的内容"),
    ("{{ kernel }}", "模板引用了单据中不存在的内容"),
    ("{{ request }}", "模板引用了单据中不存在的内容"),
    ("{{ actor }}", "模板引用了单据中不存在的内容"),
    ("{{ lipsum() }}", "模板引用了单据中不存在的内容"),
    ("{{ doc.no_such_field }}", "模板引用了单据中不存在的内容"),
    ("{{ 1 / 0 }}", "模板出错"),
])
def test_what_only_shows_when_it_runs_is_refused_with_a_clear_error(kernel, client, claim, expression, says):
    source = template(f"<p>first line</p>\n{expression}")
    preview = client.submit(f"{EDITOR}/preview", {"source": source, "record": str(claim)})
    assert says in preview.text and "第 4 行" in preview.text, preview.text
    saved = client.submit(EDITOR, {"source": source, "record": str(claim)})
    assert saved.status_code == 422 and says in saved.text
    assert versions(kernel) == 0


def test_a_template_cannot_write_endless_html(client, claim):
    source = template("{% for i in range(90000) %}{% for j in range(90000) %}很长{% endfor %}{% endfor %}")
    preview = client.submit(f"{EDITOR}/preview", {"source": source, "record": str(claim)})
    assert "模板输出的 HTML 超过 5 MB，已被中止" in preview.text


def test_a_template_that_reads_only_its_document_previews_and_saves(kernel, client, claim):
    source = template("<p>{{ doc.title }} · {{ text.state }} · {{ org.name }} · {{ _('Total') }}</p>")
    preview = client.submit(f"{EDITOR}/preview", {"source": source, "record": str(claim)})
    assert 'src="data:application/pdf;base64,' in preview.text and "共 1 页" in preview.text
    saved = client.submit(EDITOR, {"source": source, "record": str(claim)}, follow_redirects=False)
    assert saved.status_code == 303
    assert versions(kernel) == 1


def test_a_template_autoescapes_what_it_prints(kernel, client, admin, hq, expense):
    claim = expense(admin, title="<img src=x onerror=alert(1)> & 报销")
    source = template("<p id='t'>{{ doc.title }}</p>")
    client.submit(EDITOR, {"source": source, "record": str(claim)}, follow_redirects=False)
    from printing_support import actor_of

    from plugins.printing.engine import printer_for
    from plugins.printing.prints import prepare

    with kernel.db.session(write=False) as db:
        decl = kernel.registry.prints["notes.expense"]
        html = prepare(db, actor_of(kernel, admin), printer_for(kernel), decl, claim, "zh_CN").html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; 报销" in html
    assert "<img src=x" not in html

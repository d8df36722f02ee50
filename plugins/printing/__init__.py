"""Printing: PDFs of any document type, from sandboxed Jinja templates, with WeasyPrint."""

name = "printing"
label = {"zh_CN": "打印", "en": "Printing"}
version = "0.1.0"
depends = ["core"]
default_enabled = True
description = {
    "zh_CN": "把任意单据打印成 PDF：抬头、印章、二维码、页码，中英双语；管理员在浏览器中修改模板；"
             "批量打印与正式出具件留档",
    "en": "Any document as a PDF: letterhead, company seal, QR code and page numbers, in Chinese, "
          "English or both; templates edited in the browser; batch prints and kept issued copies",
}

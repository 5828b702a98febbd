"""XMP metadata for the PDFs lifkit writes: one packet, written whole from the document information.

Written by lifkit rather than by the PDF library's metadata editor, which stamps the time it ran: the
same input still gives the same bytes (a pack built twice is byte for byte the same). Every PDF lifkit
writes claims PDF/UA-1 here (``pdfuaid:part`` 1), which its structure tree, language and title display
make good; :func:`lifkit.mechanics.pdf.finish_form` and :func:`lifkit.mechanics.pdf.assemble` add it.
"""

from __future__ import annotations

import re
from html import escape


def packet(info: dict[str, str], lang: str) -> bytes:
    """The XMP packet of a PDF whose document information is ``info`` (keys without the slash): its
    title, author, subject, language, producer and dates, and the claim of PDF/UA-1 (``pdfuaid:part``
    1) that the structure tree, language and title display make good."""

    def text(key: str) -> str:
        return escape(str(info.get(key, "")), quote=False)

    rows = [f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{text("Title")}</rdf:li></rdf:Alt></dc:title>',
            f"<dc:language><rdf:Bag><rdf:li>{escape(lang)}</rdf:li></rdf:Bag></dc:language>",
            "<dc:format>application/pdf</dc:format>"]
    if info.get("Author"):
        rows.append(f"<dc:creator><rdf:Seq><rdf:li>{text('Author')}</rdf:li></rdf:Seq></dc:creator>")
    if info.get("Subject"):
        rows.append(f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text("Subject")}</rdf:li></rdf:Alt>'
                    "</dc:description>")
    for key, tag in (("Producer", "pdf:Producer"), ("Keywords", "pdf:Keywords"), ("Creator", "xmp:CreatorTool")):
        if info.get(key):
            rows.append(f"<{tag}>{text(key)}</{tag}>")
    for key, tag in (("CreationDate", "xmp:CreateDate"), ("ModDate", "xmp:ModifyDate")):
        when = pdf_date_as_xmp(str(info.get(key, "")))
        if when:
            rows.append(f"<{tag}>{when}</{tag}>")
    rows.append("<pdfuaid:part>1</pdfuaid:part>")
    xml = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
           '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
           '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
           'xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">\n' + "\n".join(rows) +
           '\n</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>')
    return xml.encode("utf-8")


def pdf_date_as_xmp(value: str) -> str:
    """A PDF date (``D:20261125``, ``D:20261125093000Z``, ``D:20261125093000+01'00'``) as XMP writes it
    (``2026-11-25``, ``2026-11-25T09:30:00Z``...); "" when it is not one."""
    found = re.fullmatch(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?'?", value.strip())
    if not found:
        return ""
    year, month, day, hour, minute, second, zone = found.groups()
    date = "-".join(part for part in (year, month, day) if part)
    if hour is None:
        return date
    zone = "Z" if zone in (None, "Z") else f"{zone[:3]}:{zone[3:].strip(chr(39))}"
    return f"{date}T{hour}:{minute or '00'}:{second or '00'}{zone}"

"""Tagged PDF content drawn with reportlab: marked content for the structure tree, and artifacts.

reportlab writes no structure. Each piece of a page lifkit draws is wrapped in a :class:`Marked`
flowable, which puts it in marked content with its own MCID and records what it is (a heading, a
paragraph, a form's box) in reading order; running headers and footers are drawn inside
:func:`artifact`. :func:`lifkit.mechanics.pdf.tag_structure` then builds the structure tree from the
record. Imported only by the modules that draw PDFs (it imports reportlab).
"""

from __future__ import annotations

import contextlib

from reportlab.platypus import Flowable


def start(doc) -> None:
    """Make ``doc`` (a reportlab document template) ready to record its tags."""
    doc.lk_tags, doc.lk_widgets, doc.lk_mcids = [], [], {}


def next_mcid(canvas) -> int:
    """A new MCID on the canvas's current page."""
    doc = canvas._doctemplate
    page = canvas.getPageNumber() - 1
    mcid = doc.lk_mcids.get(page, 0)
    doc.lk_mcids[page] = mcid + 1
    return mcid


@contextlib.contextmanager
def artifact(canvas):
    """What is drawn inside is an artifact (a running header or footer, a rule): no part of the reading
    order."""
    canvas._code.append("/Artifact BMC")
    try:
        yield
    finally:
        canvas._code.append("EMC")


class Marked(Flowable):
    """``inner`` drawn as one tagged piece of its page (marked content with its own MCID). What it is
    (``role``: H1, H2, P) and the boxes drawn in it are recorded, in reading order, on the document
    (``lk_tags``), for the structure tree :func:`lifkit.mechanics.pdf.tag_structure` builds: a form's
    box (a widget recorded in ``lk_widgets`` while ``inner`` draws) is a ``Form`` element right after
    the text that labels it. The document template must have ``lk_tags``, ``lk_widgets`` and
    ``lk_mcids`` (see :func:`start`)."""

    def __init__(self, inner, role: str):
        super().__init__()
        self.inner, self.role = inner, role
        self.keepWithNext = inner.getKeepWithNext()
        if hasattr(inner, "pack_key"):  # where a pack's heading lands, for its contents and bookmarks
            self.pack_key = inner.pack_key

    def wrap(self, available_width, available_height):
        self.width, self.height = self.inner.wrap(available_width, available_height)
        return self.width, self.height

    def split(self, available_width, available_height):
        return [mark(part, self.role) for part in self.inner.split(available_width, available_height)]

    def getSpaceBefore(self):  # noqa: N802 - reportlab's names
        return self.inner.getSpaceBefore()

    def getSpaceAfter(self):  # noqa: N802
        return self.inner.getSpaceAfter()

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802, N803
        doc = canvas._doctemplate
        mcid = next_mcid(canvas)
        first_widget = len(doc.lk_widgets)
        page = canvas.getPageNumber() - 1
        doc.lk_tags.append((self.role, page, mcid))  # before what ``inner`` records itself: reading order
        canvas._code.append(f"/{self.role} <</MCID {mcid}>> BDC")
        self.inner.drawOn(canvas, x, y, _sW)
        canvas._code.append("EMC")
        doc.lk_tags.extend(("Form", page, name) for name in doc.lk_widgets[first_widget:])


def mark(flowable, role: str):
    """``flowable`` as a :class:`Marked` piece of ``role``; page breaks, template changes and spaces, which
    draw nothing, are left as they are, and so is a flowable that records its own tags (``lk_tags_itself``:
    a page left for another document's page, tagged as a part of its own)."""
    from reportlab.platypus.doctemplate import ActionFlowable
    from reportlab.platypus.flowables import CondPageBreak, NullDraw, PageBreak, Spacer, UseUpSpace

    if isinstance(flowable, (ActionFlowable, CondPageBreak, NullDraw, PageBreak, Spacer, UseUpSpace, Marked)) \
            or getattr(flowable, "lk_tags_itself", False):
        return flowable
    return Marked(flowable, role)

"""Reading a returned Word form: :func:`read_docx` gives every box's value by its tag, and what it
could not place.

Agencies return the form lifkit made (``lifkit.documents.wordform``) after filling it in with Word, with
LibreOffice, or after converting it from one format to another. Each program leaves its marks, and
this module undoes the ones that are known, so that a correct return reads as correct:

- LibreOffice 7.4 drops every content control's tag when it saves a .docx, but keeps lifkit's hidden
  ``_lk_<tag>`` bookmark beside each box, so the bookmark names the box.
- It moves every paragraph but the first out of a rich text box: the rest of the box's table cell is
  more of the same answer.
- Where a box holds right-to-left text (Urdu, Arabic) or mixed scripts, it writes the box once and
  then, for each further stretch of text, another untagged box holding that stretch and the whole
  text again. Those copies are recognised (same title, no tag or bookmark, ending with the box's
  text) and dropped, instead of being reported as text typed beside the box.
- A form converted to OpenDocument (.odt) and back turns its text boxes into ``FILLIN`` fields after
  the bookmark: the field's result is the box's value.
- Where a text box holds text LibreOffice cannot keep in a field (an emoji joined by zero-width joiners,
  for instance), the .odt trip leaves the text as plain text in the box's table cell, after the
  bookmark, with no box or field around it: the cell's text is the box's value, when the cell is one
  of lifkit's answer cells (its paragraphs in the ``FormAnswer`` style) holding nothing else.
A bookmark names only a box it is certain of: one around it, or after it in its own cell, or the first
box of the table that follows its heading; never a box another bookmark names or that holds another
box's bookmark. A box whose bookmark is still there but whose value cannot be found with that certainty
is listed in :attr:`WordContents.lost` (and a file that went through .odt is marked ``converted``), so
that the check can say so for that box, not that the agency left it blank, and never reads another
box's value in its place.
"""

from __future__ import annotations

import copy
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.errors import InputError
from lifkit.documents.wordform import (
    BOOKMARK_PREFIX, CUSTOM_NS, CUSTOM_REL, KNOWN_PLACEHOLDERS, MC_NS, REL_NS, STRICT_W_NS, _q,
)


@dataclass
class WordContents:
    """What a returned Word form holds, by content control tag (the widget names)."""

    metadata: dict[str, str] = field(default_factory=dict)  # custom document properties
    values: dict[str, str] = field(default_factory=dict)  # text in each box ("" when empty)
    checkboxes: dict[str, bool] = field(default_factory=dict)  # tick boxes
    stray_text: dict[str, str] = field(default_factory=dict)  # text typed beside a box, not in it
    # boxes whose bookmark is still in the file but whose value could not be found (a converted file)
    lost: list[str] = field(default_factory=list)
    converted: bool = False  # the file went through OpenDocument (.odt): its text boxes became fields


class UnreadableWord(InputError):
    """A .docx that cannot be read; ``reason`` says why without naming the file again."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path} is not a Word form lifkit can read: {reason}.",
                         "Ask the agency to save it in Word as a Word Document (.docx), without a password, "
                         "and send it again.")
        self.reason = reason


def _unreadable(path: Path, reason: str) -> InputError:
    return UnreadableWord(path, reason)


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    from lifkit.mechanics.safezip import read_part

    return read_part(archive, name)


def _custom_part_name(archive: zipfile.ZipFile, parse) -> str:
    rels = _read_member(archive, "_rels/.rels")
    if rels:
        for rel in parse(rels).iter(f"{{{REL_NS}}}Relationship"):
            if rel.get("Type") == CUSTOM_REL and rel.get("TargetMode") != "External":
                return (rel.get("Target") or "").lstrip("/")
    return "docProps/custom.xml"


def read_docx(path: Path) -> WordContents:
    """Read a returned .docx: its custom properties and every content control's value by tag.

    Raises :class:`InputError` naming the file when it is not a .docx lifkit can read.
    """
    from lxml import etree

    from lifkit.mechanics.safezip import UnsafePackage, open_package, parse_xml

    path = Path(path)

    def parse(data: bytes, name: str = "XML"):
        return parse_xml(data, name)

    try:
        with open_package(path) as archive:
            document = _read_member(archive, "word/document.xml")
            if document is None:
                raise _unreadable(path, "it has no word/document.xml, so it is not a Word document")
            custom = _read_member(archive, _custom_part_name(archive, parse))
            root = parse(document, "word/document.xml")
            del document
            metadata = _custom_properties(parse(custom)) if custom else {}
    except UnsafePackage as exc:
        raise _unreadable(path, exc.reason) from None
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError(f"{path} does not exist.") from None
    except zipfile.BadZipFile:
        raise _unreadable(path, "it is not a .docx file (not a zip package)") from None
    except etree.XMLSyntaxError as exc:
        raise _unreadable(path, f"its XML is damaged ({exc})") from None
    except (zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError,
            zlib.error, etree.LxmlError) as exc:
        raise _unreadable(path, f"the file is damaged ({exc})") from None
    if root.tag == f"{{{STRICT_W_NS}}}document":
        raise _unreadable(path, "it was saved as Strict Open XML, which lifkit does not read")
    if root.tag != _q("w:document"):
        raise _unreadable(path, "word/document.xml is not a Word document")
    contents = _read_controls(root)
    contents.metadata = metadata
    return contents


def _custom_properties(root) -> dict[str, str]:
    result: dict[str, str] = {}
    for prop in root.iter(f"{{{CUSTOM_NS}}}property"):
        name = prop.get("name")
        if not name:
            continue
        value = next(iter(prop), None)
        result[name] = "" if value is None else "".join(value.itertext())
    return result


_W_P, _W_R, _W_T, _W_TAB, _W_BR, _W_CR = (_q(t) for t in ("w:p", "w:r", "w:t", "w:tab", "w:br", "w:cr"))
_W_SDT, _W_TC = _q("w:sdt"), _q("w:tc")
_MC_FALLBACK = f"{{{MC_NS}}}Fallback"
# sdtPr children that make a box something other than rich text
_TYPED = ("w:text", "w:date", "w:dropDownList", "w:comboBox", "w:picture", "w14:checkbox", "w:docPartObj",
          "w:docPartList", "w:equation", "w:citation", "w:bibliography", "w:group")


def _walk(element):
    """``element`` and its descendants in document order, leaving out mc:Fallback copies."""
    yield element
    for child in element:
        if child.tag == _MC_FALLBACK or not isinstance(child.tag, str):
            continue
        yield from _walk(child)


def _text_piece(element) -> str | None:
    tag = element.tag
    if tag == _W_T:
        return element.text or ""
    parent = element.getparent()
    if parent is not None and parent.tag == _W_R:
        if tag == _W_TAB:
            return "\t"
        if tag in (_W_BR, _W_CR):
            return "\n"
    return None


def _control_text(content) -> str:
    parts: list[str] = []
    seen_paragraph = False
    for element in _walk(content):
        if element.tag == _W_P:
            if seen_paragraph:
                parts.append("\n")
            seen_paragraph = True
            continue
        piece = _text_piece(element)
        if piece is not None:
            parts.append(piece)
    return _trim("".join(parts))


def _trim(text: str) -> str:
    """``text`` without blank lines around it or spaces at its end, keeping a tab or indent typed at the
    start of its first line and the blank lines inside it."""
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines).rstrip()


def _container(element):
    """Where text counts as "beside" a box: its table cell, or else its paragraph."""
    paragraph = None
    for ancestor in element.iterancestors():
        if ancestor.tag == _W_TC:
            return ancestor
        if ancestor.tag == _W_P and paragraph is None:
            paragraph = ancestor
    return paragraph


def _leaf_around(element, leaves: set):
    """The box ``element`` is in, if it is in one."""
    for ancestor in element.iterancestors(_W_SDT):
        return ancestor if ancestor in leaves else None
    return None


def _lk_marks(root) -> list[tuple[str, Any, Any]]:
    """Every ``_lk_`` bookmark as (box name, start, end or None), in document order."""
    ends = {end.get(_q("w:id")): end for end in root.iter(_q("w:bookmarkEnd"))}
    marks = []
    for mark in root.iter(_q("w:bookmarkStart")):
        name = mark.get(_q("w:name")) or ""
        if name.startswith(BOOKMARK_PREFIX) and len(name) > len(BOOKMARK_PREFIX):
            marks.append((name[len(BOOKMARK_PREFIX):], mark, ends.get(mark.get(_q("w:id")))))
    return marks


def _bookmark_tags(root, leaves: set) -> tuple[dict, list[tuple[str, Any, Any]]]:
    """Boxes that lost their tag, named by the ``_lk_`` bookmark just before (or inside) them, and the
    bookmarks that name no box.

    A box is named only when that is certain: the bookmark (its start or its end) is inside the box, or
    the box comes after it in the same cell or paragraph before any other bookmark; or, for a bookmark
    in the heading before a table, the box is in the table's first cell. A box holding another box's
    bookmark, or tagged with another name, or already named, is never taken.
    """
    marks = _lk_marks(root)
    owner: dict = {}  # box -> the name of the bookmark inside it
    for name, mark, end in marks:
        for element in (mark, end):
            box = _leaf_around(element, leaves) if element is not None else None
            if box is not None:
                owner.setdefault(box, name)
    found: dict = {}
    unplaced = []

    def free(box, name: str) -> bool:
        return (box is not None and box not in found and owner.get(box, name) == name
                and _tag(box) in ("", name))

    for name, mark, end in marks:
        candidates = [_leaf_around(mark, leaves)]
        if end is not None:  # LibreOffice moves the start out, the end in
            candidates.append(_leaf_around(end, leaves))
        candidates.append(_first_box_after(mark, leaves))
        if end is not None:  # the start in the label's cell, the end in the box's
            candidates.append(_first_box_after(end, leaves))
        container = _container(mark)
        if container is not None and container.tag == _W_P:
            candidates.append(_box_of_next_table(mark, leaves))  # in the heading before the box's table
        target = next((box for box in candidates if free(box, name)), None)
        if target is not None:
            found[target] = name
        else:
            unplaced.append((name, mark, end))
    return found, unplaced


def _box_of_next_table(mark, leaves: set):
    """The box in the first cell of the table right after ``mark``'s paragraph (a long answer's box,
    whose bookmark lifkit writes at the end of the section's heading)."""
    cell = _first_cell_of_next_table(mark)
    if cell is None:
        return None
    return next((box for box in cell.iter(_W_SDT) if box in leaves), None)


def _first_cell_of_next_table(mark):
    paragraph = next(mark.iterancestors(_W_P), None)
    if paragraph is None or next(paragraph.iterancestors(_W_TC), None) is not None:
        return None
    table = paragraph.getnext()
    while table is not None and table.tag == _q("w:bookmarkEnd"):
        table = table.getnext()
    if table is None or table.tag != _q("w:tbl"):
        return None
    row = table.find(_q("w:tr"))
    return row.find(_W_TC) if row is not None else None


_ANSWER_STYLE = "FormAnswer"  # the paragraph style of every answer cell of lifkit's forms (wordform.py)


def _answer_cell_text(name: str, mark, end, root, used: set) -> str | None:
    """The text of a box that a conversion turned into plain text, if its cell is certain: a table cell
    the bookmark is in (its start, else its end) or, for a bookmark in a heading, the first cell of the
    table after it; holding only lifkit's answer paragraphs, no box, no other box's bookmark, and not
    taken by another bookmark. None when no cell is certain, or the cell is empty (a box lost in a
    conversion leaves an empty cell too, which is not a blank answer)."""
    candidates = [_container(mark)]
    if end is not None:
        candidates.append(_container(end))
    candidates.append(_first_cell_of_next_table(mark))
    for cell in candidates:
        if cell is None or cell.tag != _W_TC or cell in used:
            continue
        if not _only_answer(cell, name):
            continue
        text = _control_text(cell)
        if not text:  # an empty cell where a box was: the conversion may have lost the value
            return None
        used.add(cell)
        return text
    return None


def _only_answer(cell, name: str) -> bool:
    if cell.find(f".//{_W_SDT}") is not None or cell.find(f".//{_q('w:tbl')}") is not None:
        return False
    for mark in cell.iter(_q("w:bookmarkStart")):
        other = mark.get(_q("w:name")) or ""
        if other.startswith(BOOKMARK_PREFIX) and other != BOOKMARK_PREFIX + name:
            return False
    paragraphs = list(cell.iter(_W_P))
    if not paragraphs:
        return False
    for paragraph in paragraphs:
        style = paragraph.find(f"{_q('w:pPr')}/{_q('w:pStyle')}")
        if style is None or style.get(_q("w:val")) != _ANSWER_STYLE:
            return False
    return True


def _first_box_after(mark, leaves: set):
    """The first box after ``mark`` in the same cell (or paragraph), before any other ``_lk_`` bookmark."""
    start = _q("w:bookmarkStart")
    container = _container(mark)
    after = False
    for element in (container if container is not None else mark.getparent()).iter(start, _W_SDT,
                                                                                     _q("w:bookmarkEnd")):
        if element is mark:
            after = True
        elif not after or element.tag == _q("w:bookmarkEnd"):
            continue
        elif element.tag == start:
            if (element.get(_q("w:name")) or "").startswith(BOOKMARK_PREFIX):
                return None
        elif element in leaves:
            return element
    return None


_W_FLDCHAR, _W_INSTR, _W_RPR = _q("w:fldChar"), _q("w:instrText"), _q("w:rPr")


def _fields_as_boxes(root) -> bool:
    """Turn each ``FILLIN`` field (what a text box becomes after a trip through .odt) into an untagged
    box holding the field's result, so that the ``_lk_`` bookmark before it names it. True if any."""
    found = False
    for paragraph in list(root.iter(_W_P)):
        if paragraph.find(f".//{_W_FLDCHAR}") is None:
            continue
        for run in list(paragraph.iter(_W_R)):  # one field character or piece of text a run
            pieces = [child for child in run if child.tag != _W_RPR]
            if len(pieces) < 2 or not any(piece.tag == _W_FLDCHAR for piece in pieces):
                continue
            style = run.find(_W_RPR)
            for piece in pieces:
                single = run.makeelement(_W_R, {})
                if style is not None:
                    single.append(copy.deepcopy(style))
                single.append(piece)
                run.addprevious(single)
            run.getparent().remove(run)
        for parent in {run.getparent() for run in paragraph.iter(_W_R)}:
            found = _wrap_fillin(parent) or found
    return found


def _field_char(element) -> str:
    if element.tag != _W_R:
        return ""
    char = element.find(_W_FLDCHAR)
    return (char.get(_q("w:fldCharType")) or "") if char is not None else ""


def _wrap_fillin(parent) -> bool:
    depth, parts, instruction, result, found = 0, [], [], None, False
    for child in list(parent):
        kind = _field_char(child)
        if kind == "begin":
            depth += 1
            if depth == 1:
                parts, instruction, result = [child], [], None
                continue
        if depth != 1:
            if kind == "end":
                depth -= 1
            continue
        parts.append(child)
        if kind == "separate":
            result = []
        elif kind == "end":
            depth = 0
            if "".join(instruction).split()[:1] == ["FILLIN"] and result is not None:
                box = parent.makeelement(_W_SDT, {})
                box.append(parent.makeelement(_q("w:sdtPr"), {}))
                content = parent.makeelement(_q("w:sdtContent"), {})
                box.append(content)
                parts[0].addprevious(box)
                for element in result:
                    content.append(element)
                for element in parts:
                    if element.getparent() is parent:
                        parent.remove(element)
                found = True
        elif result is not None:
            result.append(child)
        elif child.tag == _W_R:
            instruction.extend(text.text or "" for text in child.iter(_W_INSTR))
    return found


def _drop_copies(leaves: set, named: set) -> None:
    """Remove the copies LibreOffice writes after a box holding right-to-left or mixed-script text:
    untagged, unbookmarked boxes with the same title right after it in its paragraph, each holding a
    stretch of the text and then the whole text again (and the stretches it puts between them)."""
    for box in list(named):
        content = box.find(_q("w:sdtContent"))
        whole = _control_text(content) if content is not None else ""
        if not whole:
            continue
        title = _alias(box)
        between: list = []
        for sibling in box.itersiblings():
            if sibling.tag == _W_SDT:
                if sibling in named or sibling not in leaves or _alias(sibling) != title:
                    break
                inner = sibling.find(_q("w:sdtContent"))
                if not (_control_text(inner) if inner is not None else "").endswith(whole):
                    break
                for element in [*between, sibling]:
                    element.getparent().remove(element)
                leaves.discard(sibling)
                between = []
            elif sibling.tag == _W_R:
                between.append(sibling)
            elif sibling.tag == _q("w:bookmarkStart") and (sibling.get(_q("w:name")) or "").startswith(
                    BOOKMARK_PREFIX):
                break


def _empty_choices(pr) -> set[str]:
    """The texts a drop-down shows when nothing is chosen (its items with no value, e.g. the prompt)."""
    if pr is None:
        return set()
    return {item.get(_q("w:displayText")) or "" for kind in ("w:dropDownList", "w:comboBox")
            for items in pr.findall(_q(kind)) for item in items.findall(_q("w:listItem"))
            if not (item.get(_q("w:value")) or "")}


def _tag(box) -> str:
    tag = box.find(f"{_q('w:sdtPr')}/{_q('w:tag')}")
    return (tag.get(_q("w:val")) or "") if tag is not None else ""


def _alias(box) -> str:
    alias = box.find(f"{_q('w:sdtPr')}/{_q('w:alias')}")
    return (alias.get(_q("w:val")) or "") if alias is not None else ""


def _read_controls(root) -> WordContents:
    contents = WordContents(converted=_fields_as_boxes(root))
    sdts = list(root.iter(_W_SDT))
    leaves = {sdt for sdt in sdts if sdt.find(f".//{_W_SDT}") is None}
    by_bookmark, unplaced = _bookmark_tags(root, leaves)
    _drop_copies(leaves, {sdt for sdt in leaves if sdt in by_bookmark or _tag(sdt)})
    sdts = [sdt for sdt in sdts if sdt in leaves]
    tags: dict = {}
    whole_cell: set = set()
    for sdt in sdts:
        if sdt not in leaves:
            continue
        pr = sdt.find(_q("w:sdtPr"))
        tag_element = pr.find(_q("w:tag")) if pr is not None else None
        tag = (tag_element.get(_q("w:val")) or "") if tag_element is not None else ""
        tag = tag or by_bookmark.get(sdt, "")
        if not tag:
            continue
        tags[sdt] = tag
        if pr is None or not any(pr.find(_q(kind)) is not None for kind in _TYPED):
            whole_cell.add(sdt)  # a rich text box: in lifkit's forms, the only thing in its cell
        box = pr.find(_q("w14:checkbox")) if pr is not None else None
        if box is not None:
            checked = box.find(_q("w14:checked"))
            state = (checked.get(_q("w14:val")) or "").strip().lower() if checked is not None else ""
            contents.checkboxes[tag] = contents.checkboxes.get(tag, False) or state in ("1", "true", "on")
            continue
        content = sdt.find(_q("w:sdtContent"))
        text = _control_text(content) if content is not None else ""
        showing = pr.find(_q("w:showingPlcHdr")) if pr is not None else None
        if showing is not None and (showing.get(_q("w:val")) or "1").lower() not in ("0", "false", "off"):
            text = ""
        if text in KNOWN_PLACEHOLDERS or text in _empty_choices(pr):
            text = ""
        earlier = contents.values.get(tag)
        if earlier and text and text != earlier:  # the same box twice (a copied row): keep both
            text = f"{earlier}\n{text}"
        contents.values[tag] = text or earlier or ""
    stray, more = _beside(tags, whole_cell)
    for tag, extra in more.items():
        contents.values[tag] = _trim(contents.values.get(tag, "") + extra)
    contents.stray_text = stray
    used = {_container(sdt) for sdt in tags}
    for name, mark, end in unplaced:
        if name in contents.values or name in contents.checkboxes:
            continue
        text = _answer_cell_text(name, mark, end, root, used)
        if text is not None:  # the box became plain text in its own answer cell (an .odt trip)
            contents.values[name] = "" if text in KNOWN_PLACEHOLDERS else text
            contents.converted = True
    named = {name for name, _, _ in _lk_marks(root)}
    contents.lost = sorted(named - set(contents.values) - set(contents.checkboxes))
    return contents


def _beside(tags: dict, whole_cell: set) -> tuple[dict[str, str], dict[str, str]]:
    """Text in the same table cell (or paragraph) as a box but outside it, by the nearest box's tag.

    Returns (stray text, more text). A long text box is the whole of its table cell, so the text after
    it in that cell is more of its answer, not stray (LibreOffice 7.4 moves every paragraph but the
    first out of a rich text box when it saves a .docx).
    """
    containers = []
    for sdt in tags:
        container = _container(sdt)
        if container is not None and container not in containers:
            containers.append(container)
    stray: dict[str, list[str]] = {}
    more: dict[str, str] = {}
    for container in containers:
        segments = _segments(container, tags)
        boxes = [box for kind, box in segments if kind == "box"]
        whole = boxes[0] if len(boxes) == 1 and container.tag == _W_TC and boxes[0] in whole_cell else None
        last_box = None
        for index, (kind, item) in enumerate(segments):
            if kind == "box":
                last_box = item
            elif whole is not None and last_box is whole:
                more[tags[whole]] = more.get(tags[whole], "") + item
            else:
                owner = last_box if last_box is not None else next(b for k, b in segments[index:] if k == "box")
                stray.setdefault(tags[owner], []).append(item.strip())
    return {tag: " ".join(pieces) for tag, pieces in stray.items()}, more


def _segments(container, tags: dict) -> list[tuple[str, Any]]:
    """The container's boxes ("box", sdt) and the text between them ("text", str, as typed: a new
    paragraph after a box or after text starts with a line break), in document order."""
    segments: list[tuple[str, Any]] = []
    text: list[str] = []

    def flush():
        joined = "".join(text)
        if joined.strip():
            segments.append(("text", joined))
        text.clear()

    def visit(element):
        if element in tags:
            flush()
            segments.append(("box", element))
            return
        if element.tag == _MC_FALLBACK or not isinstance(element.tag, str):
            return
        if element.tag == _W_P and (text or (segments and segments[-1][0] == "box")):
            text.append("\n")
        piece = _text_piece(element)
        if piece is not None:
            text.append(piece)
        for child in element:
            visit(child)

    visit(container)
    flush()
    return segments



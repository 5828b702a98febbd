"""Reading a returned form: any PDF or Word file -> its identity and the raw values in its boxes.

Returned files are untrusted. Whatever is wrong with one (not a PDF or Word file, damaged, protected
with a password, flattened or printed to PDF, not one of lifkit's forms) becomes an
:class:`UnreadableForm` that says so in plain words and what to ask the agency for; nothing a parser
raises escapes as anything else.

The raw values are kept exactly as found (text as typed, a tick-box's state name as the viewer wrote
it), so that nothing the agency typed is lost even when it fails validation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from lifkit.errors import InputError
from lifkit.documents.identity import FormIdentity, token_is_well_formed

MAX_FILE_BYTES = 30 * 1024 * 1024  # a returned form is a few hundred kB; larger is not a form (and the
# PDF and Word readers are then bounded in memory by the file's size: tests/test_limits.py)
# Errors no file can cause: they are lifkit's own faults and must not be reported as a damaged file.
_PROGRAMMING_ERRORS = (ImportError, NameError, SyntaxError)


class UnreadableForm(InputError):
    """A returned file lifkit cannot read values from at all (exit status 2)."""

    def __init__(self, path: Path, message: str, hint: str | None = None, kind: str = "unreadable",
                 identity: FormIdentity | None = None):
        super().__init__(f"{Path(path).name}: {message}", hint)
        self.path = Path(path)
        self.kind = kind  # damaged, encrypted, flattened, not-a-form, altered, wrong-type, too-large
        self.identity = identity  # whose form it is, when that could still be read (a flattened form)


@dataclass
class Extracted:
    path: Path
    format: str  # "pdf" or "docx"
    identity: FormIdentity | None
    raw: dict[str, str] = field(default_factory=dict)  # box name -> what was in it, as found
    stray_text: dict[str, str] = field(default_factory=dict)  # Word: text typed beside a box, by box
    # Word: boxes whose value could not be found because the file was converted (by LibreOffice, to .odt
    # and back); with ``converted``, every box missing from ``raw`` is one of them
    lost: list[str] = field(default_factory=list)
    converted: bool = False

    def to_dict(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def extract(path: Path) -> Extracted:
    """Read ``path`` (a PDF or .docx form) or raise :class:`UnreadableForm`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise UnreadableForm(path, f"cannot be opened ({exc.strerror}).", "Check the file exists and is not open "
                             "in another program.", kind="unreadable") from None
    if size == 0:
        raise UnreadableForm(path, "is empty (0 bytes): there is nothing in it to read.",
                             "Save the form again from the email, or ask the agency to send it again.", kind="empty")
    if size > MAX_FILE_BYTES:
        raise UnreadableForm(path, f"is {size // (1024 * 1024)} MB, far larger than any form.",
                             "Check it is the form that was sent, not another document.", kind="too-large")
    if path.suffix.lower() in MESSAGE_SUFFIXES or head[:5] == b"From " or _looks_like_mail(path):
        raise UnreadableForm(path, "is an email, not a form: lifkit collect reads the forms attached to it and files "
                             "them.", f"lifkit collect REF {path.name}", kind="message")
    if b"%PDF" in head[:8] or path.suffix.lower() == ".pdf":
        _refuse_not_pdf(path)
        return _extract_pdf(path)
    if head.startswith(b"PK") or path.suffix.lower() == ".docx":
        return _extract_docx(path)
    raise UnreadableForm(path, "is neither a PDF nor a Word (.docx) file.",
                         "Ask the agency to return the form lifkit sent them, as PDF or Word.", kind="wrong-type")


MESSAGE_SUFFIXES = (".eml", ".msg", ".mbox")
_MAIL_HEADERS = (b"received:", b"return-path:", b"from:", b"to:", b"subject:", b"date:", b"message-id:",
                 b"mime-version:", b"delivered-to:", b"x-", b"content-type:")


def _looks_like_mail(path: Path) -> bool:
    """A saved message whatever its name: it starts with mail headers (not a PDF, not a zip)."""
    if path.suffix.lower() in (".pdf", ".docx"):
        return False
    with path.open("rb") as handle:
        head = handle.read(512).lower()
    lines = [line.strip() for line in head.splitlines()[:3] if line.strip()]
    return len(lines) >= 2 and all(line.startswith(_MAIL_HEADERS) for line in lines[:2])


def _what_it_holds(head: bytes) -> str:
    """What a file that is not a PDF seems to hold, from its first bytes, in words."""
    for magic, what in ((b"PK\x03\x04", "a Word or other zipped file"), (b"\xd0\xcf\x11\xe0", "an old Word or Outlook file"),
                        (b"\xff\xd8\xff", "a JPEG picture"), (b"\x89PNG", "a PNG picture"), (b"{\\rtf", "an RTF document"),
                        (b"<", "a web page or XML")):
        if head.lstrip().startswith(magic):
            return what
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "something else"
    return "plain text"


MAX_PDF_OBJECTS = 50_000  # a returned form has a few hundred; the PDF library's memory grows with each


def _refuse_not_pdf(path: Path) -> None:
    """A file named .pdf that is not one (no %PDF header where PDF readers look for it) is said so in words,
    never with the PDF library's error name; one of more objects than any form is refused before the PDF
    library indexes them (a 29 MB file of 900,000 tiny objects took it 640 MB)."""
    data = path.read_bytes()  # at most MAX_FILE_BYTES: the size was checked first
    if b"%PDF-" not in data[:1024]:
        raise UnreadableForm(path, f"is damaged and cannot be read as a PDF: it is named .pdf, but it holds "
                             f"{_what_it_holds(data[:1024])}, not a PDF.",
                             "Ask the agency to return the form lifkit sent them, as PDF or Word.", kind="wrong-type")
    objects = data.count(b"endobj")
    if objects > MAX_PDF_OBJECTS:
        raise UnreadableForm(path, f"holds far more than any form does ({objects:,} objects); it was not read.",
                             "Ask the agency to return the form lifkit sent them, as they filled it in.",
                             kind="too-large")


def _refuse_altered(path: Path, identity: FormIdentity | None) -> None:
    """A hidden token lifkit never writes (other characters, another length) means the identity was edited:
    nothing in it can be trusted, not even whose form it says it is."""
    if identity is not None and not token_is_well_formed(identity.token):
        raise UnreadableForm(path, "its hidden identity was altered: the signature in it is not one lifkit writes, "
                             "so lifkit cannot tell whose form it is.",
                             "Ask the agency to fill in and return the form lifkit sent them, as it was sent.",
                             kind="altered")


# --- PDF --------------------------------------------------------------------------------------


def _extract_pdf(path: Path) -> Extracted:
    from lifkit.documents.pdfread import IDENTITY_FIELD, PasswordProtected, identity_from_field, read_pdf
    from lifkit.mechanics.pdf import ValueTooLarge

    try:
        fields, info = read_pdf(path)
    except _PROGRAMMING_ERRORS:
        raise  # lifkit's own fault, never the file's: let it be reported as one
    except ValueTooLarge as exc:
        raise UnreadableForm(path, f"holds far more than any form does ({exc}); it was not read.",
                             "Ask the agency to return the form lifkit sent them, as they filled it in.",
                             kind="too-large") from None
    except PasswordProtected:
        raise UnreadableForm(path, "is protected with a password, so lifkit cannot read it.",
                             "Ask the agency to send the form again without a password (secure email "
                             "protects it on the way).", kind="encrypted") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure on an untrusted file means "damaged"
        raise UnreadableForm(path, "is damaged and cannot be read as a PDF.",
                             "Ask the agency to save the form again and resend it.", kind="damaged") from None
    identity = FormIdentity.from_metadata(info)
    hidden = fields.pop(IDENTITY_FIELD, None)
    if identity is None and hidden:
        identity = identity_from_field(hidden)
    _refuse_altered(path, identity)
    if not fields:
        if identity is not None:
            raise UnreadableForm(
                path, f"is lifkit's {identity.form_id} form but has no boxes left: it was flattened or "
                "printed to PDF, which turns the answers into pictures of text.",
                "Ask the agency to return the form they filled in itself (File > Save, not Print to PDF).",
                kind="flattened", identity=identity)
        raise UnreadableForm(path, "has no form fields and no lifkit metadata: it is not one of lifkit's forms "
                             "(or it was printed to PDF, which removes the boxes).",
                             "Ask the agency to fill in and return the form lifkit sent them.", kind="not-a-form")
    if identity is None:
        raise UnreadableForm(path, "is a PDF form, but not one of lifkit's: it carries no lifkit metadata.",
                             "Ask the agency to use the form lifkit sent them.", kind="not-a-form")
    return Extracted(path=path, format="pdf", identity=identity, raw=fields)


# --- Word -------------------------------------------------------------------------------------


def _extract_docx(path: Path) -> Extracted:
    from lifkit.documents.wordread import UnreadableWord, read_docx

    try:
        contents = read_docx(path)
    except _PROGRAMMING_ERRORS:
        raise
    except UnreadableWord as exc:
        raise UnreadableForm(path, f"is not a Word form lifkit can read: {exc.reason}.", exc.hint,
                             kind="damaged") from None
    except InputError as exc:
        raise UnreadableForm(path, exc.message, exc.hint, kind="damaged") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure on an untrusted file means "damaged"
        raise UnreadableForm(path, "is damaged and cannot be read as a Word file.",
                             "Ask the agency to save the form again as Word (.docx) and resend it.",
                             kind="damaged") from None
    identity = FormIdentity.from_metadata(contents.metadata)
    _refuse_altered(path, identity)
    raw = dict(contents.values)
    raw.update({name: "true" if ticked else "false" for name, ticked in contents.checkboxes.items()})
    if identity is None:
        raise UnreadableForm(path, "is a Word file, but not one of lifkit's forms: it carries no lifkit metadata.",
                             "Ask the agency to use the form lifkit sent them.", kind="not-a-form")
    if not raw:
        raise UnreadableForm(path, f"is lifkit's {identity.form_id} form but has no boxes left: the content "
                             "controls were removed.", "Ask the agency to fill in the form lifkit sent them "
                             "without converting it.", kind="flattened", identity=identity)
    return Extracted(path=path, format="docx", identity=identity, raw=raw, stray_text=dict(contents.stray_text),
                     lost=list(contents.lost), converted=contents.converted)

"""Email: drafts that open ready to send, and reading the messages agencies send back.

The only module that parses MIME. Drafts are ``.eml`` files with ``X-Unsent: 1``, which Outlook opens
as an unsent message (Thunderbird opens them too). Replies are read from what the administrator saves
from the mail client: ``.eml`` files, Outlook ``.msg`` files (with the optional ``msg`` extra), mbox
files and Maildir folders.

Everything read is untrusted: attachment names are reduced to a safe file name, oversized parts are
refused, nesting is limited, and nothing here writes a file: callers decide where data goes.
"""

from __future__ import annotations

import datetime as dt

import re
import unicodedata
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Callable, Iterator

from lifkit.errors import InputError

# Every limit is checked before a message is parsed, so that no message, however it is made, takes lifkit
# past a bounded amount of memory (tests/test_limits.py measures it). Secure email services carry 20-35 MB.
MAX_ATTACHMENT_BYTES = 30 * 1024 * 1024  # larger than any form or report an agency sends by secure email
MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # a 30 MB attachment, base64-encoded, and the rest of the message
MAX_MAILBOX_BYTES = 1024 * 1024 * 1024  # an mbox is scanned whole for its messages before any is read
MAX_LINES = 1_000_000  # a 40 MB message in 76-character lines has about 550,000
MAX_PARTS = 500
MAX_DELIMITERS = 4 * MAX_PARTS  # lines starting "--": the parts' boundaries, and a few separators
_FEED = 1024 * 1024
MAX_DEPTH = 5  # forwarded messages inside messages
MAX_NAME = 120
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# control, format (bidirectional overrides, zero-width), unassigned, private-use and surrogate characters
_INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}
CONTENT_TYPES = {".pdf": "application/pdf",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass
class Attachment:
    filename: str  # safe to use as a file name on Windows and POSIX
    original_name: str  # as the sender named it (for reports only, never a path)
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Message:
    source: Path
    position: str  # where in the source (an mbox message number, a Maildir key), "" for one-message files
    sender: str  # the address only, lower case
    subject: str
    date: str
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # parts that were refused, and why
    raw: bytes = b""  # the message exactly as read, to be kept as the original
    message_id: str = ""  # the Message-ID header, as sent
    sent: "dt.datetime | None" = None  # the Date header, when it is a date

    @property
    def fingerprint(self) -> str:
        """What identifies this message wherever it is saved again: its Message-ID, else its bytes."""
        import hashlib

        if self.message_id:
            return "message:" + hashlib.sha256(self.message_id.strip().encode("utf-8", "replace")).hexdigest()[:40]
        return "sha256:" + hashlib.sha256(self.raw).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.source.name}{' #' + self.position if self.position else ''}"


class MailError(InputError):
    """A saved message or mailbox lifkit cannot read."""


# --- safe names -------------------------------------------------------------------------------


def clean_name(name: str | None) -> str:
    """A sender's file name as it may be shown in a report: its last part only, and without control or
    invisible formatting characters (a right-to-left override can make ``gpj.exe`` read as ``exe.jpg``)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if unicodedata.category(c) not in _INVISIBLE).strip()[:MAX_NAME * 2]


def safe_filename(name: str | None, default: str = "attachment") -> str:
    """A file name that is safe everywhere: no folders, no reserved, control or invisible characters, no
    Windows device names, not too long, the extension kept."""
    name = clean_name(name)
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    if not name or set(name) <= {"_", "."}:
        name = default
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    suffix = suffix[:10]
    limit = MAX_NAME - len(suffix) - 1
    if len(stem.encode("utf-8")) > limit:
        stem = stem.encode("utf-8")[:limit].decode("utf-8", "ignore").rstrip()
    return f"{stem}.{suffix}" if suffix else stem


# --- drafts -----------------------------------------------------------------------------------


def build_draft(sender: str, to: str, subject: str, body: str, attachments: list[Path] = (),
                cc: str | None = None, reply_to: str | None = None) -> bytes:
    """An unsent message as .eml bytes (CRLF line ends), with the files attached byte for byte."""
    from email.message import EmailMessage
    from email.policy import SMTP

    message = EmailMessage(policy=SMTP)
    message["X-Unsent"] = "1"
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message.set_content(body)
    for path in attachments:
        path = Path(path)
        maintype, _, subtype = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream").partition("/")
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message.as_bytes()


# --- reading ----------------------------------------------------------------------------------


def is_maildir(path: Path) -> bool:
    path = Path(path)
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def folder_files(path: Path) -> list[Path]:
    """The files in a plain folder of saved messages or forms (not a Maildir), in name order; hidden files
    (.DS_Store and the like) and sub-folders are left out."""
    return sorted(p for p in Path(path).iterdir() if p.is_file() and not p.name.startswith("."))


def read_messages(path: Path, on_error: Callable[[MailError], None] | None = None) -> Iterator[Message]:
    """Every message in ``path``: an .eml or .msg file, an mbox file, or a Maildir folder.

    A message of a mailbox that cannot be read raises :class:`MailError`, or, with ``on_error``, is
    passed to it and the rest of the mailbox is still read.
    """
    path = Path(path)
    if path.is_dir():
        if is_maildir(path):
            yield from _maildir(path, on_error)
            return
        raise MailError(f"{path} is a folder but not a Maildir (it has no cur/ and new/).",
                        "Give the message files themselves, or the Maildir folder.")
    suffix = path.suffix.lower()
    if suffix == ".msg":
        yield _msg(path)
        return
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        size = path.stat().st_size
        if size > MAX_MAILBOX_BYTES:
            raise MailError(f"{path.name} is a mailbox of {size // (1024 * 1024)} MB: larger than lifkit reads.",
                            "Save only the replies about the case, or each message as .eml, and give those instead.")
        yield from _mbox(path, on_error)
        return
    data = _read_limited(path)
    yield parse_message(data, path)


def is_message_file(path: Path) -> bool:
    """Whether ``path`` holds mail (rather than a bare form): .eml, .msg, mbox or Maildir."""
    path = Path(path)
    if path.is_dir():
        return True
    if path.suffix.lower() in (".eml", ".msg", ".mbox"):
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def _too_large(label: str, size: int | None = None) -> MailError:
    """``size`` is the whole message's when it is known (a file), None when reading stopped at the limit."""
    limit = f"{MAX_MESSAGE_BYTES / (1024 * 1024):.0f} MB"
    said = f"is {size / (1024 * 1024):.0f} MB: larger than" if size else "is larger than"
    return MailError(f"{label} {said} lifkit reads as one message ({limit}).",
                     "Save the forms from the message as files and give those instead.")


def _read_limited(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_MESSAGE_BYTES:
        raise _too_large(path.name, size)
    with path.open("rb") as handle:
        data = handle.read(MAX_MESSAGE_BYTES + 1)  # the file may have grown since
    if len(data) > MAX_MESSAGE_BYTES:
        raise _too_large(path.name)
    return data


def _read_bounded(handle, label: str) -> bytes:
    """One message of a mailbox, read no further than the limit."""
    try:
        data = handle.read(MAX_MESSAGE_BYTES + 1)
    finally:
        handle.close()
    if len(data) > MAX_MESSAGE_BYTES:
        raise _too_large(label)
    return data


def _check_shape(data: bytes, label: str) -> None:
    """Refuse, before parsing, a message whose shape alone would make the parser use far more memory than
    its size: millions of short lines, or of parts."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise _too_large(label, len(data))
    lines = data.count(b"\n")
    if lines > MAX_LINES:
        raise MailError(f"{label} has {lines:,} lines, far more than any message an agency sends.",
                        "Save the forms from the message as files and give those instead.")
    delimiters = data.count(b"\n--") + data.startswith(b"--")
    if delimiters > MAX_DELIMITERS:
        raise MailError(f"{label} has more than {MAX_PARTS} parts, far more than any message an agency sends.",
                        "Save the forms from the message as files and give those instead.")


def _parse(data: bytes):
    """The message in ``data``, parsed a piece at a time: ``email.message_from_bytes`` would first copy it
    into one string and then into a StringIO four bytes a character (160 MB for a 40 MB message)."""
    from email.feedparser import BytesFeedParser
    from email.policy import default

    parser = BytesFeedParser(policy=default)
    for start in range(0, len(data), _FEED):
        parser.feed(data[start:start + _FEED])
    return parser.close()


def _decoded(part) -> bytes:
    """A part's content, decoded; base64 (what mail clients use for attachments) is decoded straight from
    the parsed text, and refused by its size before it is decoded."""
    import binascii

    payload = part.get_payload()
    if isinstance(payload, str) and part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
        size = (len(payload) - payload.count("\n") - payload.count("\r")) * 3 // 4
        if size > MAX_ATTACHMENT_BYTES + 3:
            raise _Oversized(size)
        try:
            return binascii.a2b_base64(payload)
        except (ValueError, binascii.Error):
            pass  # missing padding, stray bytes: the email package's own decoder is more forgiving
    return part.get_payload(decode=True) or b""


class _Oversized(Exception):
    def __init__(self, size: int):
        self.size = size


def parse_message(data: bytes, source: Path, position: str = "") -> Message:
    _check_shape(data, f"{Path(source).name}{' #' + position if position else ''}")
    try:
        message = _parse(data)
        sender = parseaddr(str(message.get("From", "")))[1].lower()
        subject = str(message.get("Subject", ""))
        date = str(message.get("Date", ""))
        message_id = str(message.get("Message-ID", "") or "").strip()
    except Exception as exc:  # noqa: BLE001 - a header no parser understands: the message is damaged
        raise MailError(f"{source.name}{' #' + position if position else ''} is not a readable email: its "
                        "headers are damaged.", "Save the message again from the mail client.") from None
    result = Message(source=Path(source), position=position, sender=sender, subject=subject, date=date, raw=data,
                     message_id=message_id, sent=_sent(date))
    _collect_parts(message, result, depth=0, budget=[MAX_PARTS])
    return result


def _sent(header: str):
    """The Date header as an aware datetime, or None when it is missing or not a date."""
    from email.utils import parsedate_to_datetime

    try:
        sent = parsedate_to_datetime(header) if header else None
    except (TypeError, ValueError, IndexError):
        return None
    if sent is not None and sent.tzinfo is None:
        sent = sent.replace(tzinfo=dt.timezone.utc)
    return sent


def _collect_parts(message, result: Message, depth: int, budget: list[int]) -> None:
    for part in message.walk():
        budget[0] -= 1
        if budget[0] < 0:
            result.problems.append(f"more than {MAX_PARTS} parts: the rest were not read")
            return
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = part.get_filename()
        if content_type == "message/rfc822" or (filename or "").lower().endswith(".eml"):
            _nested(part, result, depth, budget)
            continue
        if filename is None and part.get_content_disposition() != "attachment":
            continue  # the body text
        name = filename or "attachment"
        if content_type == "application/ms-tnef" or name.lower() == "winmail.dat":
            result.problems.append(f"{safe_filename(name)}: an Outlook winmail.dat (TNEF) part, which lifkit cannot "
                                   "open; ask the sender to send as plain attachments (not Rich Text format)")
            continue
        try:
            data = _decoded(part)
        except _Oversized as exc:
            data = exc
        except Exception:  # noqa: BLE001 - a part whose encoding is broken
            result.problems.append(f"{clean_name(name)}: the attachment's encoding is damaged")
            continue
        size = data.size if isinstance(data, _Oversized) else len(data)
        if size > MAX_ATTACHMENT_BYTES:
            result.problems.append(f"{clean_name(name)}: {size // (1024 * 1024)} MB is larger than the "
                                   f"{MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB lifkit accepts; it was not saved")
            continue
        result.attachments.append(Attachment(safe_filename(name), clean_name(name), content_type, data))


def _nested(part, result: Message, depth: int, budget: list[int]) -> None:
    if depth + 1 > MAX_DEPTH:
        result.problems.append("messages nested too deeply inside each other: the innermost were not read")
        return
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if inner is None:
        try:
            raw = _decoded(part)
            _check_shape(raw, clean_name(part.get_filename()) or "an attached message")
        except MailError as exc:
            result.problems.append(exc.message)
            return
        except Exception:  # noqa: BLE001 - an attached message whose encoding is broken, or too large
            result.problems.append(f"{clean_name(part.get_filename()) or 'an attached message'}: damaged or too "
                                   "large; it was not read")
            return
        inner = _parse(raw)
    _collect_parts(inner, result, depth + 1, budget)


def _each(read: Callable[[], Message], on_error) -> Iterator[Message]:
    try:
        yield read()
    except MailError as exc:
        if on_error is None:
            raise
        on_error(exc)


def _mbox(path: Path, on_error=None) -> Iterator[Message]:
    import mailbox

    box = mailbox.mbox(str(path), create=False)
    try:
        for index, key in enumerate(box.iterkeys(), start=1):
            yield from _each(lambda: parse_message(_read_bounded(box.get_file(key), f"{path.name} #{index}"),
                                                   path, str(index)), on_error)
    finally:
        box.close()


def _maildir(path: Path, on_error=None) -> Iterator[Message]:
    import mailbox

    box = mailbox.Maildir(str(path), create=False)
    for key in sorted(box.iterkeys()):
        yield from _each(lambda: parse_message(_read_bounded(box.get_file(key), f"{path.name} message {key}"),
                                               path, key), on_error)


def _msg(path: Path) -> Message:
    try:
        import extract_msg
    except ImportError:
        raise MailError(
            f"{path.name} is an Outlook .msg file: reading it needs lifkit's optional msg extra "
            "(pip install \"lifkit[msg]\", which brings the GPL-3 extract-msg library).",
            "Or save the message as .eml instead (Outlook on the web and the new Outlook: Download / Save as), "
            "and give lifkit that file.",
        ) from None
    raw = _read_limited(path)  # the size is checked before the file is parsed
    try:
        message = extract_msg.Message(str(path))
    except Exception as exc:  # noqa: BLE001
        raise MailError(f"{path.name} is not a readable Outlook message: it is damaged.",
                        "Save the message again from Outlook.") from None
    try:
        result = Message(source=path, position="", sender=parseaddr(message.sender or "")[1].lower(),
                         subject=message.subject or "", date=str(message.date or ""), raw=raw)
        for attachment in message.attachments:
            name = getattr(attachment, "longFilename", None) or getattr(attachment, "shortFilename", None)
            data = getattr(attachment, "data", None)
            if not isinstance(data, (bytes, bytearray)):
                result.problems.append(f"{safe_filename(name)}: an embedded item lifkit cannot save")
                continue
            if len(data) > MAX_ATTACHMENT_BYTES:
                result.problems.append(f"{safe_filename(name)}: larger than lifkit accepts; it was not saved")
                continue
            result.attachments.append(Attachment(safe_filename(name), clean_name(name), "application/octet-stream",
                                                 bytes(data)))
        return result
    finally:
        message.close()


# --- sending (optional) -----------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str = ""
    starttls: bool = True
    password_env: str = "LIFKIT_SMTP_PASSWORD"


def smtp_password(settings: SmtpSettings) -> str:
    """The SMTP password: from the environment variable named in the settings, else the system keyring
    (service "lifkit", the username); never from lifkit.toml."""
    import os

    value = os.environ.get(settings.password_env)
    if value:
        return value
    try:
        import keyring
    except ImportError:
        keyring = None
    if keyring is not None and settings.username:
        value = keyring.get_password("lifkit", settings.username)
        if value:
            return value
    raise InputError(f"No SMTP password: set the {settings.password_env} environment variable, or store it in the "
                     f"system keyring (service 'lifkit', user '{settings.username}').",
                     "The password is never kept in lifkit.toml.")


def send_drafts(settings: SmtpSettings, drafts: list[Path], timeout: float = 30) -> list[Path]:
    """Send each draft as it is (less its X-Unsent header); returns the drafts sent."""
    import smtplib
    import ssl
    from email import message_from_bytes
    from email.policy import SMTP

    from lifkit.errors import ExternalError

    password = smtp_password(settings) if settings.username else ""
    sent = []
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as server:
            if settings.starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.username:
                server.login(settings.username, password)
            for draft in drafts:
                message = message_from_bytes(Path(draft).read_bytes(), policy=SMTP)
                del message["X-Unsent"]
                server.send_message(message)
                sent.append(Path(draft))
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        done = f"{len(sent)} of {len(drafts)} were sent before it failed. " if drafts else ""
        raise ExternalError(f"The mail server {settings.host}:{settings.port} failed: {exc}.",
                            f"{done}The drafts are all still in the outbox; send the rest from your mail client "
                            "or try again.") from None
    return sent

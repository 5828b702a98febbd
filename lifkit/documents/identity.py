"""A form's identity: which form, which version, for which case and agency, and an integrity token.

Every PDF and Word form lifkit makes carries these as hidden metadata, under the same keys in both
formats (see ``METADATA_KEYS``). The token is an HMAC-SHA256, with a secret kept in the workspace,
over the form id, case reference and agency code: a returned form whose metadata was edited, or that
was made by another workspace, does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

SECRET_FILE = Path(".lifkit") / "secret"
TOKEN_LENGTH = 32  # hex characters: 128 bits of the HMAC
_TOKEN_RE = re.compile(rf"[0-9a-f]{{{TOKEN_LENGTH}}}")

# The hidden metadata's keys: PDF document information (/LifkitForm ...) and Word custom properties.
METADATA_KEYS = {
    "form_id": "LifkitForm",
    "version": "LifkitFormVersion",
    "case_ref": "LifkitCase",
    "agency": "LifkitAgency",
    "token": "LifkitToken",
}


@dataclass(frozen=True)
class FormIdentity:
    form_id: str
    version: str
    case_ref: str = ""
    agency: str = ""
    token: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def metadata(self) -> dict[str, str]:
        """The hidden metadata entries, keyed as they are stored in the files."""
        return {METADATA_KEYS[key]: value for key, value in asdict(self).items()}

    @classmethod
    def from_metadata(cls, metadata: dict[str, str]) -> "FormIdentity | None":
        """Read the identity back from stored metadata; None when the file carries none."""
        if not metadata.get(METADATA_KEYS["form_id"]):
            return None
        return cls(**{key: str(metadata.get(stored, "") or "") for key, stored in METADATA_KEYS.items()})


def workspace_secret(root: Path) -> bytes:
    """The workspace's token secret, made on first use. It never leaves the workspace."""
    path = Path(root) / SECRET_FILE
    if path.is_file():
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    from lifkit.mechanics.files import atomic_write_text

    path.parent.mkdir(exist_ok=True)
    key = secrets.token_bytes(32)
    atomic_write_text(path, key.hex() + "\n")
    return key


def make_token(secret: bytes, form_id: str, case_ref: str, agency: str) -> str:
    message = "\x1f".join((form_id.upper(), case_ref, agency.upper())).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:TOKEN_LENGTH]


def sign(secret: bytes, form_id: str, version: str, case_ref: str = "", agency: str = "") -> FormIdentity:
    return FormIdentity(form_id=form_id, version=version, case_ref=case_ref, agency=agency,
                        token=make_token(secret, form_id, case_ref, agency))


def token_is_well_formed(token: str | None) -> bool:
    """Whether ``token`` could have been written by lifkit at all (32 lower-case hex characters). A file's
    metadata is untrusted: anything else (other characters, another length) means it was altered."""
    return bool(_TOKEN_RE.fullmatch(token or ""))


def token_matches(secret: bytes, identity: FormIdentity) -> bool:
    if not token_is_well_formed(identity.token):
        return False
    expected = make_token(secret, identity.form_id, identity.case_ref, identity.agency)
    return hmac.compare_digest(expected.encode("ascii"), identity.token.encode("ascii"))

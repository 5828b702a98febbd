"""Making the forms lifkit sends: ``lifkit form cigscr1|ciginf1``.

One :class:`RenderContext` (the definition, the board, the form's identity, the pre-filled values and
the return address) is rendered as a fillable PDF by :mod:`lifkit.documents.pdfform` and as a Word form by
:mod:`lifkit.documents.wordform`. CIGSCR1 is blank but for the board's return address; CIGINF1 is pre-filled for
one case and one agency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lifkit.errors import InputError
from lifkit.documents.formdef import FormDef, load_form
from lifkit.documents.identity import FormIdentity, sign, workspace_secret

FORMATS = ("pdf", "docx", "both")


@dataclass(frozen=True)
class RenderContext:
    """Everything a renderer needs; it reads nothing else."""

    form: FormDef
    board_name: str
    identity: FormIdentity
    # Values of the pre-filled fields: text, datetime.date, or for a table a list of row dicts.
    prefill: dict[str, Any] = field(default_factory=dict)
    return_to: tuple[str, ...] = ()  # the return address, one line each
    root: Any = None  # the workspace's folder: its own templates/form.docx is used before lifkit's

    def file_stem(self) -> str:
        """A file name that names the form, case and agency, never a person."""
        parts = [self.form.id]
        if self.identity.case_ref:
            parts.append(self.identity.case_ref)
        if self.identity.agency:
            parts.append(self.identity.agency)
        if len(parts) == 1:
            parts.append("blank")
        return "-".join(parts)


@dataclass(frozen=True)
class GeneratedForm:
    form_id: str
    version: str
    case_ref: str
    agency: str
    files: tuple[Path, ...]


def return_address(settings) -> tuple[str, ...]:
    admin = settings.administrator
    lines = [admin.name, *[line.strip() for line in admin.address.splitlines() if line.strip()], admin.email]
    if admin.telephone:
        lines.append(f"Telephone: {admin.telephone}")
    return tuple(lines)


def build_context(ws, form_id: str, case_ref: str | None = None, agency: str | None = None,
                  case_values: dict[str, Any] | None = None, values: dict[str, Any] | None = None) -> RenderContext:
    """The render context for ``form_id`` in workspace ``ws``, for a case and agency where given.

    ``case_values`` are the case's values for the form's pre-filled boxes (the case layer works them out:
    :func:`lifkit.case.state.request_prefill`); the form uses those it has. ``values`` are further
    pre-filled values by field name: the read-only fields' values, and for a table that is filled in, its
    boxes' starting values (a list of row dicts).
    """
    aliases = {"referral": ws.process.referral_form, "request": ws.process.request_form}
    form = load_form(aliases.get(form_id.lower(), form_id), ws.root, ws.process.terms)
    member = ws.settings.member(agency) if agency else None
    prefill: dict[str, Any] = {}
    prefilled = {f.name for f in form.fields if f.prefilled}
    if prefilled and case_ref:  # a form with a pre-filled section (CIGINF1, IAS) is for one agency
        if member is None:
            raise InputError(f"A {form.id} for case {case_ref} is made for one agency: give --agency CODE.",
                             "lifkit members lists the codes.")
        prefill = {name: value for name, value in (case_values or {}).items() if name in prefilled}
    if values:
        names = {f.name for f in form.fields}
        prefill.update({name: value for name, value in values.items() if name in names})
    identity = sign(workspace_secret(ws.root), form.id, form.version, case_ref or "",
                    member.code if member else "")
    return RenderContext(form=form, board_name=ws.settings.board_name, identity=identity, prefill=prefill,
                         return_to=return_address(ws.settings), root=ws.root)


def generate_form(ws, form_id: str, case_ref: str | None = None, agency: str | None = None, fmt: str = "pdf",
                  output: Path | None = None, case_values: dict[str, Any] | None = None,
                  values: dict[str, Any] | None = None) -> GeneratedForm:
    """Write the form as PDF, Word or both. ``output`` is a file (one format) or a folder; ``case_values``
    and ``values`` are the pre-filled values (see :func:`build_context`)."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}.", f"Use one of: {', '.join(FORMATS)}.")
    ctx = build_context(ws, form_id, case_ref, agency, case_values, values)
    suffixes = (".pdf", ".docx") if fmt == "both" else (f".{fmt}",)
    targets = _targets(ctx, suffixes, output)
    written = []
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".pdf":
            from lifkit.documents.pdfform import render_pdf

            render_pdf(ctx, target)
        else:
            from lifkit.documents.wordform import render_docx

            render_docx(ctx, target)
        written.append(target.resolve())
    return GeneratedForm(form_id=ctx.form.id, version=ctx.form.version, case_ref=ctx.identity.case_ref,
                         agency=ctx.identity.agency, files=tuple(written))


def _targets(ctx: RenderContext, suffixes: tuple[str, ...], output: Path | None) -> list[Path]:
    if output is None:
        return [Path.cwd() / f"{ctx.file_stem()}{s}" for s in suffixes]
    output = Path(output)
    if output.is_dir() or (len(suffixes) > 1 and not output.suffix):
        return [output / f"{ctx.file_stem()}{s}" for s in suffixes]
    if len(suffixes) > 1:
        raise InputError(f"-o {output} names one file, but --format both makes two.",
                         "Give a folder with -o, or leave -o out.")
    if output.suffix.lower() != suffixes[0]:
        raise InputError(f"-o {output} does not end in {suffixes[0]}, the format asked for.",
                         f"Name the file ...{suffixes[0]}, or choose --format to match.")
    return [output]

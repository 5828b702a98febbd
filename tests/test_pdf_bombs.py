"""A PDF of 2 MB that inflates to 2 GB (an object stream, a page's content or a picture) is measured
before it is parsed: `validate` refuses it, `collect` files the return it came with and says it was not
read, `pack` lists it as not merged, each under 300 MB and 10 s of processor time, counting every
process lifkit ran (the figures are the whole process tree's, children included: os.wait4 in
test_limits.run_lifkit). No memory cap is set on lifkit (the wrapper's 4 GB address-space limit only
keeps a regression from taking the shared machine's memory), so the measuring alone is shown to hold
the bound. Real PDFs from many producers pass the same measuring: tests/test_real_pdfs.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdf_bombs import BOMBS, MB, content_stream_bomb, values_bomb
from test_limits import check, run_lifkit

REFUSED = "holds far more than any form does"


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    made = {}
    for name, make in BOMBS.items():
        made[name] = folder / f"{name.replace(' ', '-')}.pdf"
        made[name].write_bytes(make(2048))
        assert made[name].stat().st_size < 3 * MB
    return made


def test_the_bombs_are_real_pdfs(tmp_path):
    """Made smaller, each is a PDF qpdf reads whole, with no complaint: what makes it a bomb is its size."""
    import subprocess

    from conftest import require_tool

    for name, make in BOMBS.items():
        small = tmp_path / "small.pdf"
        small.write_bytes(make(16))
        done = subprocess.run([require_tool("qpdf"), "--check", str(small)], capture_output=True, text=True)
        assert done.returncode == 0 and "No syntax or stream encoding errors" in done.stdout, (name, done.stdout)


@pytest.mark.parametrize("name", list(BOMBS))
def test_validate_refuses_a_bomb_within_bounds(workspace: Path, bombs, name):
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "validate", bombs[name])
    check(status, output, peak, seconds)
    assert REFUSED in output and "inflate" in output


def test_validate_refuses_a_pdf_of_more_values_than_the_library_can_hold(workspace: Path, tmp_path):
    bomb = tmp_path / "values.pdf"
    bomb.write_bytes(values_bomb())
    assert bomb.stat().st_size < 5 * MB
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "validate", bomb)
    check(status, output, peak, seconds)
    assert REFUSED in output and "more than 1,500,000 values" in output


def test_an_encrypted_pdf_is_measured_as_its_streams_decrypt(tmp_path, monkeypatch):
    """An encrypted PDF's streams are stored encrypted, so they cannot be inflated as they lie in the
    file: each is read decrypted first (qpdf's --encrypt with no user password: anyone can open it)."""
    import subprocess

    from conftest import require_tool
    from lifkit.mechanics import pdfmeasure
    from lifkit.mechanics.pdf import ValueTooLarge, measure

    plain, locked = tmp_path / "plain.pdf", tmp_path / "locked.pdf"
    plain.write_bytes(content_stream_bomb(32))
    subprocess.run([require_tool("qpdf"), "--encrypt", "", "owner", "256", "--", str(plain), str(locked)], check=True)
    assert b"/Encrypt" in locked.read_bytes()
    measure(locked.read_bytes())  # 32 MB: within the limits
    monkeypatch.setattr(pdfmeasure, "MAX_STREAM_BYTES", 16 * MB)
    with pytest.raises(ValueTooLarge, match="inflates past 16 MB"):
        measure(locked.read_bytes())


@pytest.mark.parametrize("entries", [
    b"/Note (/Filter/DCTDecode >>stream) /Filter/FlateDecode",  # a decoy in a string
    b"/DecodeParms<</Filter/DCTDecode>>/Filter[/FlateDecode]",  # a decoy in a nested dictionary
    b"/Filter/Fl % /Filter/DCTDecode\n",  # the short name, and a decoy in a comment
])
def test_a_stream_dictionary_is_read_as_a_pdf_reader_reads_it(entries):
    from lifkit.mechanics.pdf import ValueTooLarge, measure

    with pytest.raises(ValueTooLarge, match="inflates past 64 MB"):
        measure(content_stream_bomb(128, entries))


# A stream's dictionary as PDFs write it (names, numbers, references, hex strings, words, arrays, nested
# dictionaries, any white space), and now and then a piece a writer should not have put there (a string, a
# comment, a stray bracket): the one-pass reader must read each exactly as the full parser does (or leave
# it to the full parser)
_SPACES = st.sampled_from([b" ", b"\n", b"\r\n", b"\t", b"  ", b"\x00"])
_ATOMS = st.sampled_from([b"/Filter", b"/FlateDecode", b"/Length", b"/Type", b"/ObjStm", b"/N", b"/", b"/Fl", b"12",
                          b"0", b"-3", b"+4", b"1.5", b".5", b"7.", b"12 0 R", b"3 0 R0", b"R", b"true", b"null",
                          b"<0A1b>", b"1.2.3", b"5abc", b"\xff"])
_KEYS = st.sampled_from([b"/Filter", b"/Length", b"/Type", b"/Subtype", b"/N", b"/Length1", b"/DecodeParms", b"/"])
_ODD = st.sampled_from([b"(a)", b"(a(b)c)", b"(\\))", b"<a<b>", b"%c\n", b"{", b"}", b")", b"<", b">", b"[", b"]",
                        b"<<", b">>", b"\x0b"])


def _joined(parts: list[bytes], spaces: list[bytes]) -> bytes:
    return b"".join(part + space for part, space in zip(parts, spaces + [b" "] * len(parts)))


_VALUES = st.recursive(_ATOMS, lambda inner: st.one_of(
    st.builds(lambda items, spaces: b"[" + _joined(items, spaces) + b"]", st.lists(inner, max_size=5),
              st.lists(_SPACES, max_size=5)),
    st.builds(lambda items, spaces: b"<<" + _joined([b"".join(pair) for pair in items], spaces) + b">>",
              st.lists(st.tuples(_KEYS, _SPACES, inner), max_size=4), st.lists(_SPACES, max_size=4))), max_leaves=12)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(_KEYS, _SPACES, _VALUES), max_size=8), st.lists(_SPACES, max_size=8),
       st.lists(st.tuples(st.integers(0, 8), _ODD), max_size=1), st.sampled_from([True, True, True, False]))
def test_the_one_pass_dictionary_reader_reads_as_the_full_parser(pairs, spaces, odd, opened):
    from lifkit.mechanics.pdfmeasure import _Parser, stream_dictionary

    values = [b"".join(pair) for pair in pairs]
    for where, piece in odd:
        values.insert(min(where, len(values)), piece)
    data = (b"<< " if opened else b"") + _joined(values, spaces) + (b">>" if opened else b"") + b" stream"
    end = len(data) - len(b" stream")

    def read(reader):
        try:
            return reader()
        except ValueError as error:
            return ("ValueError", str(error))
    assert read(lambda: stream_dictionary(data, 0, end)) == read(lambda: _Parser(data, 0, end).dictionary())


def test_collect_and_pack_leave_bombs_out_within_bounds(workspace: Path, bombs, fixed_today, tmp_path):
    from conftest import Lifkit
    from returns import CIGINF1_VALUES, CIGSCR1_VALUES, blank_form, fill_pdf
    from test_pack import reply

    ws = Lifkit(workspace)
    referral = fill_pdf(blank_form(ws, tmp_path / "blank.pdf", "cigscr1"), CIGSCR1_VALUES, tmp_path / "referral.pdf")
    assert ws("referral", "open", referral, "--notified", "02/11/2026").exit_code == 0
    reference = "CIEC-2026-001"
    asked = ws("request", reference, "--meeting", "04/12/2026", "--agency", "POL")
    assert asked.exit_code == 1 and "after" in asked.stderr, asked.output  # recorded; the meeting is after the decision is due
    form = fill_pdf(workspace / "cases" / reference / "outbox" / f"CIGINF1-{reference}-POL.pdf", CIGINF1_VALUES,
                    tmp_path / "POL.pdf")
    alone = tmp_path / "alone.eml"
    alone.write_bytes(reply("POL", bombs["object stream"]))
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "collect", reference, alone)
    check(status, output, peak, seconds, expected=1)
    assert "no lifkit form in it" in output and REFUSED in output

    message = tmp_path / "reply.eml"
    message.write_bytes(reply("POL", form, *bombs.values()))

    status, output, peak, seconds = run_lifkit("--workspace", workspace, "collect", reference, message, "--json")
    check(status, output, peak, seconds, expected=0)
    received = json.loads(output[output.index("{"):])["received"]
    assert [(r["agency"], r["valid"]) for r in received] == [("POL", True)]

    out = tmp_path / "pack.pdf"
    status, output, peak, seconds = run_lifkit("--workspace", workspace, "pack", reference, "-o", out, "--json")
    check(status, output, peak, seconds, expected=0)
    assert json.loads(output[output.index("{"):])["listed"] == len(BOMBS)
    from test_pack import pages_text, words

    text = words(" ".join(pages_text(out)))
    assert text.count("too large once decompressed: not merged") == len(BOMBS)

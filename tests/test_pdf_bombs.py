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

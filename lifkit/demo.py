"""``lifkit demo``: a practice workspace with a fictional board, so a new administrator can try lifkit.

Everything in it is fictional and marked so: the board, the people and the addresses (under the
reserved ``.example`` domain, which can never deliver mail). It runs as much of the administrator's
cycle as lifkit has, and says what it made and where.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import WorkspaceExists
from .fileutil import atomic_write_text
from .identity import workspace_secret
from .workspace import (
    CASES_DIR,
    DEFAULT_REGISTER,
    SETTINGS_FILE,
    STARTING_MEMBERS,
    Administrator,
    Member,
    Person,
    check_workspace,
    settings_document,
)

DEMO_BOARD = "Exampleshire Safeguarding Children Board (FICTIONAL PRACTICE WORKSPACE)"

# A fixed list of invented names, one per starting member agency.
DEMO_MEMBER_NAMES = (
    "Morgan Ashdown", "Priya Fenwick", "Tomasz Kowalczyk", "Siân Llewellyn", "Imran Qureshi",
    "Beatrice Oduya", "Connor Haldane", "Ffion Pritchard", "Yusuf Bashir", "Hannah Lindqvist",
    "Declan Moorcroft", "Aoife Brennan", "Rashid Karimi", "Eleanor Whitby", "Kofi Mensah",
)


@dataclass
class DemoResult:
    root: Path
    settings_file: Path
    register: Path
    members: int
    steps: list[str] = field(default_factory=list)


def demo_settings_text() -> str:
    administrator = Administrator(
        name="Jordan Avery (fictional)", email="lscb.admin@exampleshire-lscb.example",
        telephone="01632 960000",  # Ofcom's range reserved for drama
        address="LSCB Administrator (fictional)\nExampleshire Safeguarding Children Board\n"
                "1 Practice Street\nExampletown EX1 0AA",
    )
    people = {
        "ciec_chair": Person("Dr Robin Hale (fictional)", "ciec.chair@exampleshire-lscb.example"),
        "business_manager": Person("Sam Okafor (fictional)", "business.manager@exampleshire-lscb.example"),
        "independent_chair": Person("Prof. Alex Marlow (fictional)", "independent.chair@exampleshire-lscb.example"),
    }
    members = [
        Member(code, f"{agency} (fictional)", f"{name} (fictional)", f"ciec.{code.lower()}@exampleshire.example",
               "docx" if code in ("EDU", "HOU") else "pdf")
        for (code, agency), name in zip(STARTING_MEMBERS, DEMO_MEMBER_NAMES)
    ]
    return settings_document(DEMO_BOARD, administrator, people, members)


def run_demo(directory: Path) -> DemoResult:
    """Make the practice workspace in ``directory`` (which must not already be a workspace)."""
    from .register import create_register

    directory = Path(directory).expanduser()
    if (directory / SETTINGS_FILE).exists() or (directory / DEFAULT_REGISTER).exists():
        raise WorkspaceExists(f"{directory.resolve()} already holds a workspace: the demo needs a new folder.",
                              "Give a folder that does not exist yet, e.g.: lifkit demo lifkit-demo-2")
    directory.mkdir(parents=True, exist_ok=True)
    result = DemoResult(root=directory.resolve(), settings_file=(directory / SETTINGS_FILE).resolve(),
                        register=(directory / DEFAULT_REGISTER).resolve(), members=len(STARTING_MEMBERS))
    create_register(directory / DEFAULT_REGISTER)
    (directory / CASES_DIR).mkdir(exist_ok=True)
    workspace_secret(directory)
    atomic_write_text(directory / SETTINGS_FILE, demo_settings_text())
    result.steps.append(f"workspace with a fictional board and {result.members} fictional CIEC members")
    check = check_workspace(directory)
    result.steps.append(f"settings checked: {len(check.errors)} errors, {len(check.warnings)} warnings")
    result.steps.append("empty CIEC/SCR register with its Register and Decisions sheets")
    return result

"""The project carries its own documentation: the README links only to files in the
repository, and docs/domain.md keeps the section numbers and rule names the code refers to and
names every domain setting."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "docs" / "domain.md"


def test_the_readme_links_only_to_files_in_the_repository():
    readme = (ROOT / "README.md").read_text()
    assert "../" not in readme
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), target
    assert "docs/domain.md" in readme


def test_the_domain_document_keeps_its_sections_in_order():
    headings = re.findall(r"^## (\d)\. ", DOMAIN.read_text(), flags=re.MULTILINE)
    assert headings == ["1", "2", "3", "4", "5", "6"]


def test_every_rule_the_code_names_is_explained():
    text = DOMAIN.read_text()
    for rule in [*(f"R{n}" for n in range(1, 10)), "P1", "P2", "P3"]:
        assert re.search(rf"\*\*{rule} [—-]|\*\*{rule}\.\*\*", text), rule


def test_references_in_the_code_point_at_existing_sections():
    sections = set()
    for path in [*ROOT.glob("programs/**/*.py"), *ROOT.glob("backend/*.py")]:
        for match in re.finditer(r"(?:DOMAIN\.md|domain\.md),? §(\d)", path.read_text()):
            sections.add(int(match.group(1)))
    assert sections and sections <= {1, 2, 3, 4, 5, 6}


# In that part of the settings, but about the app's offline sync, not a rule (README).
TECHNICAL = {"SYNC_OVERLAP_SECONDS"}


def test_every_domain_setting_is_documented():
    """The settings under "Domain settings" in backend/settings.py are the adjustable values
    of the rules; each one is named where its rule is explained."""
    settings_text = (ROOT / "backend" / "settings.py").read_text()
    section = settings_text.split("# --- Domain settings", 1)[1].split("\n# ---", 1)[0]
    names = re.findall(r"^([A-Z][A-Z0-9_]+) = ", section, flags=re.MULTILINE)
    assert len(names) >= 6
    text = DOMAIN.read_text()
    assert [name for name in names if f"`{name}`" not in text and name not in TECHNICAL] == []


def test_the_code_and_the_api_name_the_projects_own_domain_document():
    """Rules are referred to as docs/domain.md §n, Rn; not as DOMAIN, a document that is not
    in the repository (also in the public API description)."""
    stale = re.compile(r"DOMAIN\.md|\(DOMAIN R\d|DOMAIN §")
    found = [
        str(path.relative_to(ROOT))
        for path in [*ROOT.glob("programs/**/*.py"), *ROOT.glob("backend/*.py")]
        if stale.search(path.read_text())
    ]
    assert found == []

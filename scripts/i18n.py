"""The translation catalogs: extract every string, update the catalogs, compile them, and check them.

    python scripts/i18n.py update          # extract from the code, merge into every .po, compile the .mo files
    python scripts/i18n.py check           # fails (exit 1) when a catalog is stale or a string is untranslated
    python scripts/i18n.py todo [FILE...]  # the untranslated strings (of those files), as JSON to fill in
    python scripts/i18n.py fill JSON...    # puts {"English": "中文"} translations into the zh_CN catalog
                                           # (a string with a context: {"context\u0004English": "中文"})

The catalogs are gettext files under wan_desktop/locale/ (see wan_desktop/core/i18n.py for why gettext).
Besides the app's own code, the words argparse makes for `--help` are in the catalog, so the CLI's help is
translated as a whole.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "wan_desktop"
LOCALE_DIR = SOURCE / "locale"
DOMAIN = "wan_desktop"
LANGUAGES = ("zh_CN",)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
CALLS = set(KEYWORDS)
# the simulator stands in for the service, which answers in English; it is not part of the app's words
SKIP = ("simulator/",)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)?(?:[!:][^{}]*)?\}")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def extract() -> Catalog:
    catalog = Catalog(project="Wan Desktop", domain=DOMAIN, charset="utf-8")
    method_map = [("**/simulator/**.py", "ignore"), ("**.py", "python")]
    options = {"**.py": {"encoding": "utf-8"}}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(SOURCE), method_map, options, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        location = (f"wan_desktop/{filename}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    _add_data_texts(catalog)
    return catalog


# the shipped data files' words a person reads: (file, the JSON paths of its texts)
DATA_TEXTS = {
    "resources/models.json": (
        ("models", "*", "description"),
        ("models", "*", "status", "note"),
        ("models", "*", "badge"),
    ),
    "resources/presets.json": (("presets", "*", "name"),),
}


def _data_texts(document: object, path: tuple[str, ...]) -> list[str]:
    if not path:
        return [document] if isinstance(document, str) and document else []
    head, rest = path[0], path[1:]
    if head == "*":
        items = document if isinstance(document, list) else []
        return [text for item in items for text in _data_texts(item, rest)]
    return _data_texts(document.get(head), rest) if isinstance(document, dict) else []


def _add_data_texts(catalog: Catalog) -> None:
    for name, paths in DATA_TEXTS.items():
        document = json.loads((SOURCE / name).read_text(encoding="utf-8"))
        for path in paths:
            for text in _data_texts(document, path):
                catalog.add(text, None, [(f"wan_desktop/{name}", None)])


def _key(message: Message) -> tuple[str | None, str]:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, msgid


def update() -> None:
    template = extract()
    for language in LANGUAGES:
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project="Wan Desktop", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False  # the header: a fuzzy header would keep gettext from reading the plural rule
        catalog.copyright_holder = "Wan Desktop developers"
        catalog.msgid_bugs_address = ""
        catalog.last_translator = "Wan Desktop developers"
        catalog.language_team = "简体中文"
        catalog.obsolete.clear()  # a string gone from the code leaves the catalog with it
        _write_po(catalog, path)
        _write_mo(catalog, mo_path(language))
        print(f"{path.relative_to(ROOT)}: {len(catalog)} strings, {len(untranslated(catalog))} untranslated")


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    # no line numbers and no dates: the file changes only when a string does
    write_po(out, catalog, width=120, omit_header=False, include_lineno=False, sort_output=True)
    text = re.sub(rb'"POT-Creation-Date: [^"]*\\n"\n', b"", out.getvalue())
    text = re.sub(rb'"PO-Revision-Date: [^"]*\\n"\n', b"", text)
    return text


def _write_po(catalog: Catalog, path: Path) -> None:
    path.write_bytes(_po_bytes(catalog))


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _write_mo(catalog: Catalog, path: Path) -> None:
    path.write_bytes(_mo_bytes(catalog))


def _mo_matches(path: Path, catalog: Catalog) -> bool:
    """The compiled file holds exactly the catalog's translations (the header, which names the Babel version
    that wrote it, aside)."""
    if not path.exists():
        return False
    import gettext

    with path.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)  # pyright: ignore[reportAttributeAccessIssue]
    with io.BytesIO(_mo_bytes(catalog)) as handle:
        wanted = dict(gettext.GNUTranslations(handle)._catalog)  # pyright: ignore[reportAttributeAccessIssue]
    compiled.pop("", None)
    wanted.pop("", None)
    return compiled == wanted


def load(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def untranslated(catalog: Catalog) -> list[Message]:
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message)
    return missing


def _placeholders(text: str) -> set[str]:
    return {match.group(1) or "" for match in _PLACEHOLDER.finditer(text.replace("{{", "").replace("}}", ""))}


def placeholder_problems(catalog: Catalog) -> list[str]:
    problems = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        wanted = set().union(*(_placeholders(text) for text in ids))
        for text in strings:
            if text and _placeholders(text) != wanted:
                problems.append(f"{ids[0]!r}: the translation has {sorted(_placeholders(text))}, not {sorted(wanted)}")
    return problems


def code_problems() -> list[str]:
    """Calls whose words could never be found in the catalog: not a literal string, or made at import time."""
    problems = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith(SKIP) or relative == "core/i18n.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        problems += _calls_in(tree, f"wan_desktop/{relative}")
    return problems


def _calls_in(tree: ast.AST, where: str) -> list[str]:
    problems: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CALLS:
            literal = [isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args]
            wanted = {"_": 1, "N_": 1, "ngettext": 2, "pgettext": 2}[node.func.id]
            if len(literal) < wanted or not all(literal[:wanted]):
                problems.append(f"{where}:{node.lineno}: {node.func.id}() needs literal strings (no f-string)")
            elif node.func.id != "N_" and not in_function:
                problems.append(f"{where}:{node.lineno}: {node.func.id}() at import time; mark it with N_()")
        inside = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    return problems


def check() -> int:
    problems = code_problems()
    template = extract()
    wanted = {_key(m) for m in template if m.id}
    for language in LANGUAGES:
        path = po_path(language)
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)} is missing: run `python scripts/i18n.py update`")
            continue
        catalog = load(language)
        have = {_key(m) for m in catalog if m.id}
        for _context, msgid in sorted(wanted - have, key=str):
            problems.append(f"{language}: not in the catalog (stale: run `scripts/i18n.py update`): {msgid!r}")
        for _context, msgid in sorted(have - wanted, key=str):
            problems.append(f"{language}: in the catalog but not in the code (stale): {msgid!r}")
        for message in untranslated(catalog):
            problems.append(f"{language}: no translation: {_key(message)[1]!r}")
        problems += [f"{language}: {p}" for p in placeholder_problems(catalog)]
        if not _mo_matches(mo_path(language), catalog):
            problems.append(f"{language}: the compiled {mo_path(language).name} is stale: run `scripts/i18n.py update`")
    for problem in problems:
        print(problem)
    if problems:
        print(f"i18n: {len(problems)} problems", file=sys.stderr)
        return 1
    print(f"i18n: {len(wanted)} strings, translated in {', '.join(LANGUAGES)}")
    return 0


def todo(files: list[str], language: str = "zh_CN") -> None:
    catalog = load(language)
    wanted = {str(Path(f).resolve().relative_to(ROOT)) for f in files}
    table: dict[str, str] = {}
    for message in untranslated(catalog):
        if wanted and not any(location[0] in wanted for location in message.locations):
            continue
        if isinstance(message.id, tuple | list):
            table[message.id[0]] = ""
            table[message.id[1]] = ""
        else:
            table[message.id] = ""
    json.dump(table, sys.stdout, ensure_ascii=False, indent=1)
    print()


def fill(tables: list[str], language: str = "zh_CN") -> None:
    """Translations from JSON tables {English: Chinese}. A plural entry takes its singular's translation
    (Chinese has one form); a context entry matches on its English text."""
    given: dict[str, str] = {}
    for table in tables:
        given.update(json.loads(Path(table).read_text(encoding="utf-8")))
    catalog = load(language)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            text = given.get(message.id[0]) or given.get(message.id[1])
            if text:
                message.string = tuple(text for _ in range(catalog.num_plurals))
                filled += 1
        elif message.context and given.get(f"{message.context}\x04{message.id}"):
            # a string with a context is keyed as gettext does: "context\x04English"
            message.string = given[f"{message.context}\x04{message.id}"]
            filled += 1
        elif given.get(message.id):
            message.string = given[message.id]
            filled += 1
        if message.string:
            message.flags.discard("fuzzy")
    _write_po(catalog, po_path(language))
    _write_mo(catalog, mo_path(language))
    print(f"{filled} translations in {po_path(language).relative_to(ROOT)}; {len(untranslated(catalog))} to go")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update")
    sub.add_parser("check")
    sub.add_parser("todo").add_argument("files", nargs="*")
    sub.add_parser("fill").add_argument("tables", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "update":
        update()
    elif args.command == "check":
        return check()
    elif args.command == "todo":
        todo(args.files)
    else:
        fill(args.tables)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

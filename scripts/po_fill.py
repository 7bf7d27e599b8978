"""Fill msgstr entries of a .po file from a JSON dictionary {msgid: msgstr} (a maintainer's tool).

Usage: python scripts/po_fill.py path/to/django.po translations.json
Entries already translated are kept; the script prints msgids it could not fill.
"""

from __future__ import annotations

import json
import re
import sys


def _unquote(block: str) -> str:
    return "".join(json.loads(f'"{part}"') for part in re.findall(r'"((?:[^"\\]|\\.)*)"', block))


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


ENTRY = re.compile(
    r'(?P<head>(?:#.*\n)*)msgid (?P<id>(?:".*"\n)+)(?:msgid_plural (?P<plural>(?:".*"\n)+))?'
    r'(?P<strs>(?:msgstr(?:\[\d\])? (?:".*"\n)+)+)'
)


def fill(po_text: str, table: dict[str, str]) -> tuple[str, list[str]]:
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        msgid = _unquote(match.group("id"))
        if not msgid:
            return match.group(0)
        current = [_unquote(s) for s in re.split(r"msgstr(?:\[\d\])? ", match.group("strs"))[1:]]
        fuzzy = "fuzzy" in match.group("head")
        if all(current) and not fuzzy:
            return match.group(0)
        value = table.get(msgid)
        if value is None:
            missing.append(msgid)
            return match.group(0)
        head = match.group("head").replace("#, fuzzy\n", "").replace("#, fuzzy, ", "#, ")
        head = re.sub(r"#\| msgid .*\n", "", head)
        out = f"{head}msgid {_quote(msgid)}\n"
        if match.group("plural"):
            out += f"msgid_plural {_quote(_unquote(match.group('plural')))}\nmsgstr[0] {_quote(value)}\n"
        else:
            out += f"msgstr {_quote(value)}\n"
        return out

    result = ENTRY.sub(replace, po_text).replace('#, fuzzy\nmsgid ""\nmsgstr ""', 'msgid ""\nmsgstr ""', 1)
    result = result.replace(
        '"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"', '"Plural-Forms: nplurals=1; plural=0;\\n"'
    )
    return result, missing


def main() -> int:
    po_path, table_path = sys.argv[1], sys.argv[2]
    with open(table_path, encoding="utf-8") as handle:
        table = json.load(handle)
    with open(po_path, encoding="utf-8") as handle:
        text = handle.read()
    text, missing = fill(text, table)
    with open(po_path, "w", encoding="utf-8") as handle:
        handle.write(text)
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

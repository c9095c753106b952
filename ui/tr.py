#!/usr/bin/env python3
"""Lists every @tr() string of the screens with its context (the component
it stands in), and writes lang/<code>/LC_MESSAGES/uketsuke-ui.po for each
language from translations/<code>.tsv (the Japanese source, a tab, the
translation; one line per string). Fails when a string has no translation
in some language, or a translation drops a {} placeholder.

    python3 ui/tr.py          # check and rewrite every .po
"""
import pathlib, re, sys

ROOT = pathlib.Path(__file__).resolve().parent
COMPONENT = re.compile(r"\bcomponent\s+([A-Za-z][\w-]*)")
TR = re.compile(r'@tr\("((?:[^"\\]|\\.)*)"')
LANGUAGE_NAMES = {
    "en": "English", "zh": "Simplified Chinese", "ko": "Korean", "vi": "Vietnamese",
    "pt": "Brazilian Portuguese", "es": "Spanish", "tl": "Tagalog",
}


def extract():
    found = []
    for path in sorted((ROOT / "ui").rglob("*.slint")):
        context = None
        for line in path.read_text(encoding="utf-8").splitlines():
            m = COMPONENT.search(line)
            if m and not line.lstrip().startswith("//"):
                context = m.group(1)
            for s in TR.findall(line):
                found.append((context, s, path.relative_to(ROOT)))
    return found


def table(code):
    rows = {}
    for n, line in enumerate((ROOT / "translations" / f"{code}.tsv").read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        source, _, translated = line.partition("\t")
        if not translated:
            raise SystemExit(f"translations/{code}.tsv:{n}: no tab-separated translation")
        rows[source] = translated
    return rows


def po_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def main():
    strings = extract()
    failures = []
    for code in LANGUAGE_NAMES:
        rows = table(code)
        entries = {}
        for context, msgid, path in strings:
            text = rows.get(msgid)
            if text is None:
                failures.append(f"{code}: {path}: no translation for {msgid}")
            elif text.count("{}") != msgid.count("{}"):
                failures.append(f"{code}: {msgid}: the translation has {text.count('{}')} {{}}, not {msgid.count('{}')}")
            else:
                entries[(context, msgid)] = text
        unused = set(rows) - {m for _, m, _ in strings}
        for msgid in sorted(unused):
            print(f"{code}: unused: {msgid}", file=sys.stderr)
        out = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', f'"Language: {code}\\n"', ""]
        for (context, msgid), text in sorted(entries.items()):
            out += [f'msgctxt "{po_escape(context)}"', f'msgid "{po_escape(msgid)}"', f'msgstr "{po_escape(text)}"', ""]
        po = ROOT / "lang" / code / "LC_MESSAGES" / "uketsuke-ui.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        po.write_text("\n".join(out), encoding="utf-8")
        print(f"{code} ({LANGUAGE_NAMES[code]}): {len(entries)} strings -> {po.relative_to(ROOT)}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

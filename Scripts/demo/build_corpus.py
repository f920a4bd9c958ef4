#!/usr/bin/env python3
"""Build the demo model's training corpus: the reStructuredText sources of Python 3.11's
documentation, from Debian's package python3.11-doc (Python Software Foundation License;
see /usr/share/doc/python3.11-doc/copyright inside the package).

    python3 Scripts/demo/build_corpus.py

Writes .cache/demo/corpus.txt (training text, about 9 MB) and
Tests/Fixtures/demo/heldout.txt (two tutorial pages kept out of training, committed so the
tests can measure the model on text it never saw). Needs `apt-get` and `dpkg-deb` (run
`apt-get update` first on a fresh machine).
"""

import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, ".cache", "demo")
PACKAGE = "python3.11-doc"
HELD_OUT = ["tutorial/inputoutput.rst.txt", "tutorial/errors.rst.txt"]
# Release notes are mostly issue numbers and names: noise for a 5M-parameter model.
SKIPPED_FOLDERS = ("whatsnew/",)


def main():
    os.makedirs(CACHE, exist_ok=True)
    extracted = os.path.join(CACHE, "package")
    if not glob.glob(os.path.join(extracted, "usr/share/doc/python3.11/html/_sources")):
        subprocess.run(["apt-get", "download", PACKAGE], cwd=CACHE, check=True)
        debs = sorted(glob.glob(os.path.join(CACHE, f"{PACKAGE}_*.deb")))
        if not debs:
            sys.exit(f"apt-get download {PACKAGE} produced no .deb")
        subprocess.run(["dpkg-deb", "-x", debs[-1], extracted], check=True)
        print(f"using {os.path.basename(debs[-1])}")
    sources = os.path.join(extracted, "usr/share/doc/python3.11/html/_sources")
    names = sorted(os.path.relpath(p, sources)
                   for p in glob.glob(os.path.join(sources, "**/*.rst.txt"), recursive=True))
    training, held_out = [], []
    for name in names:
        with open(os.path.join(sources, name), encoding="utf-8") as f:
            text = f.read()
        if name in HELD_OUT:
            held_out.append(text)
        elif not name.startswith(SKIPPED_FOLDERS):
            training.append(text)
    if len(held_out) != len(HELD_OUT):
        sys.exit(f"held-out pages missing: {HELD_OUT}")
    corpus = "\n\n".join(training)
    with open(os.path.join(CACHE, "corpus.txt"), "w", encoding="utf-8") as f:
        f.write(corpus)
    fixtures = os.path.join(ROOT, "Tests", "Fixtures", "demo")
    os.makedirs(fixtures, exist_ok=True)
    with open(os.path.join(fixtures, "heldout.txt"), "w", encoding="utf-8") as f:
        f.write("\n\n".join(held_out))
    print(f"{len(training)} pages, {len(corpus.encode()):,} bytes of training text; "
          f"{len(held_out)} held-out pages")


if __name__ == "__main__":
    main()

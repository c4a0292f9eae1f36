"""The text of a dropped file, whatever encoding it came in.

Drops in the wild are UTF-8 with or without a byte-order mark, UTF-16 with a mark (spreadsheet
"Unicode text" exports), and Windows-1252 / Latin-1 (later Kaggle releases have regional files that
are not valid UTF-8). Detection, in order:

1. a byte-order mark: UTF-8 (`EF BB BF`), UTF-16 LE (`FF FE`) or BE (`FE FF`); the mark is dropped;
2. strict UTF-8;
3. strict cp1252 (Windows-1252);
4. latin-1, which decodes any bytes.

Every step is a strict, reversible decode: `text.encode(encoding)` (with the mark put back when
`bom` is set) gives the file's bytes again, so landing the decoded text with its encoding loses nothing.
A forced encoding (`--encoding`) is used as given and fails with a clear error when the bytes are not in it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

FALLBACK_ENCODINGS: tuple[str, ...] = ("utf-8", "cp1252", "latin-1")
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class UndecodableFileError(ValueError):
    """A file's bytes are not text in the encoding it was said to have."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # the codec that decoded it (Python's name)
    bom: bool  # the file started with a byte-order mark (not part of `text`)

    def original_bytes(self) -> bytes:
        """The file's bytes, rebuilt from the text (what a byte-exact check compares)."""
        mark = next((m for m, name in BOMS if name == self.encoding), b"") if self.bom else b""
        return mark + self.text.encode(self.encoding)


def decode_text(data: bytes, encoding: str | None = None, name: str = "file") -> DecodedText:
    """Decode a dropped file's bytes (see the module doc); `encoding` forces one codec."""
    if encoding:
        codec = codecs.lookup(encoding).name
        mark = next((m for m, n in BOMS if codecs.lookup(n).name == codec and data.startswith(m)), b"")
        try:
            return DecodedText(data[len(mark) :].decode(codec), codec, bool(mark))
        except UnicodeDecodeError as exc:
            raise UndecodableFileError(
                f"{name} is not {encoding}: byte {data[exc.start : exc.start + 1]!r} at "
                f"offset {exc.start} ({exc.reason}); leave --encoding out to detect it"
            ) from exc
    for mark, codec in BOMS:
        if data.startswith(mark):
            try:
                return DecodedText(data[len(mark) :].decode(codec), codec, True)
            except UnicodeDecodeError:
                break  # a mark followed by something else: not that encoding after all
    for codec in FALLBACK_ENCODINGS:
        try:
            return DecodedText(data.decode(codec), codec, False)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover

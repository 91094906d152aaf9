"""Find what makes a PDF unacceptable: scripts, automatic actions, launches, attached files,
XFA forms, encryption (which would hide any of those from us), or a file we cannot read.

The file is read with a real parser (pypdf), never by scanning its bytes: pypdf follows the
cross-reference tables, expands object streams whatever their filter chain (Flate, ASCIIHex,
ASCII85, …) and decodes #xx escapes in names, so we judge the objects a viewer would see.
Every object the file defines is inspected, referenced or not, and so is every object a
reference reaches that the cross-reference table forgot (pypdf finds those the way viewers
do, by searching the file).

The work is bounded three ways: before it is done wherever the file declares its size
(objects, pages, decoded object streams); by pypdf's own parser limits, tightened here; and,
since pypdf is pure Python (≈10 µs a token, so a 10 MB file of dense objects would take
minutes), by running in a process of its own under kernel limits on memory and time (main()
below; apps/media/pdf.py starts it). This module imports nothing from Django, so that
process starts in a tenth of a second.
"""

from __future__ import annotations

import enum
import io
import resource
import sys
from collections.abc import Iterator

from pypdf import Configuration, PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject, StreamObject

from apps.media import limits


class PdfProblem(enum.Enum):
    DAMAGED = "damaged"
    ENCRYPTED = "encrypted"
    TOO_COMPLEX = "too_complex"
    ACTIVE = "active"
    ATTACHMENTS = "attachments"
    XFA = "xfa"


OK = "ok"


# Action types (ISO 32000-2 §12.6.4) that run code, open or send to something outside the
# document, or play media. Link navigation inside the file (/GoTo) and links the reader
# clicks (/URI, /Named) stay allowed; viewers ignore action types they don't know.
_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/Rendition",
        "/Movie",
        "/Sound",
        "/RichMediaExecute",
    }
)
# A link may lead to a web page or an email; javascript:, file: or \\host\share links
# run code or leak the reader's network credentials.
_SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")
# /JS is a script (in any action); /JavaScript as a key is the document's name tree of
# scripts; /AA holds actions that fire on their own (page open, field focus, document close).
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/RichMediaContent"})
# /EF is a file specification's embedded file, /EmbeddedFiles the document's name tree of them.
_ATTACHMENT_KEYS = frozenset({"/EF", "/EmbeddedFiles"})
_ATTACHMENT_TYPES = frozenset({"/EmbeddedFile"})
_ATTACHMENT_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia"})

# pypdf's limits, tightened to what a background-check document needs. One decoded stream
# may use the whole budget, so no filter can expand past it; the sum is checked below.
# jbig2dec is an external program: a hostile file must never make us start one.
_PARSER_LIMITS = Configuration(
    zlib_maximum_output_length=limits.MAX_PDF_DECODED_BYTES,
    lzw_maximum_output_length=limits.MAX_PDF_DECODED_BYTES,
    run_length_maximum_output_length=limits.MAX_PDF_DECODED_BYTES,
    brotli_maximum_output_length=limits.MAX_PDF_DECODED_BYTES,
    jbig2_maximum_output_length=limits.MAX_PDF_DECODED_BYTES,
    array_based_stream_maximum_output_length=limits.MAX_PDF_DECODED_BYTES,
    stream_decoding_work_maximum_length=4 * limits.MAX_PDF_DECODED_BYTES,
    page_tree_maximum_entries=limits.MAX_PDF_PAGES * 2,
    jbig2dec_binary=None,
)


class _TooComplex(Exception):
    pass


def _name(value: PdfObject | None) -> str | None:
    """The name in an entry, also when the file stored it behind a reference (/S 7 0 R),
    which viewers accept."""
    if isinstance(value, IndirectObject):
        value = value.get_object()
    return value if isinstance(value, NameObject) else None


def _unsafe_link(node: DictionaryObject) -> bool:
    if _name(node.get("/S")) != "/URI":
        return False
    uri = node.get("/URI")
    uri = uri.get_object() if isinstance(uri, IndirectObject) else uri
    return not (isinstance(uri, str) and uri.strip().lower().startswith(_SAFE_URI_SCHEMES))


def _dictionary_problem(node: DictionaryObject) -> PdfProblem | None:
    keys = set(node.keys())
    if keys & _ACTIVE_KEYS or _name(node.get("/S")) in _ACTIVE_ACTIONS or _unsafe_link(node):
        return PdfProblem.ACTIVE
    if "/OpenAction" in keys:
        # A destination (an array) only scrolls; an action dictionary is allowed only as a
        # plain /GoTo, since anything else (even a URI) would run unasked when the file opens.
        action = node["/OpenAction"].get_object()
        if isinstance(action, DictionaryObject) and (_name(action.get("/S")) != "/GoTo" or "/Next" in action):
            return PdfProblem.ACTIVE
    if "/XFA" in keys:
        return PdfProblem.XFA
    if (
        keys & _ATTACHMENT_KEYS
        or _name(node.get("/Type")) in _ATTACHMENT_TYPES
        or _name(node.get("/Subtype")) in _ATTACHMENT_SUBTYPES
    ):
        return PdfProblem.ATTACHMENTS
    return None


class _Walk:
    """Every indirect object once, each with everything written inside it."""

    def __init__(self, reader: PdfReader) -> None:
        self.reader = reader
        self.seen: set[tuple[int, int]] = set()
        self.queue: list[IndirectObject] = []

    def enqueue(self, reference: IndirectObject) -> None:
        key = (reference.idnum, reference.generation)
        if key not in self.seen:
            self.seen.add(key)
            if len(self.seen) > limits.MAX_PDF_OBJECTS:
                raise _TooComplex
            self.queue.append(reference)

    def nodes_of(self, root: PdfObject | None) -> Iterator[DictionaryObject]:
        """The dictionaries written directly inside `root`; references are queued instead, so
        shared and cyclic structures are read once. An explicit stack: nesting depth is the
        file's choice, and Python's recursion limit is not a bound we want to hit."""
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, IndirectObject):
                self.enqueue(node)
            elif isinstance(node, DictionaryObject):
                yield node
                stack.extend(node.values())
            elif isinstance(node, ArrayObject):
                stack.extend(node)

    def problem(self) -> PdfProblem | None:
        reader = self.reader
        for generation, numbers in reader.xref.items():
            for number in numbers:
                self.enqueue(IndirectObject(number, generation, reader))
        for number in reader.xref_objStm:
            self.enqueue(IndirectObject(number, 0, reader))
        roots: list[PdfObject | None] = [reader.trailer]
        while roots or self.queue:
            root = roots.pop() if roots else self.queue.pop().get_object()
            for node in self.nodes_of(root):
                found = _dictionary_problem(node)
                if found is not None:
                    return found
        return None


def _decode_object_streams(reader: PdfReader) -> None:
    """Expand every object stream up front, so their sum is bounded before any object in
    them is parsed (pypdf keeps each decoded stream, so nothing is decoded twice)."""
    budget = limits.MAX_PDF_DECODED_BYTES
    for number in {stream for stream, _index in reader.xref_objStm.values()}:
        stream = reader.get_object(number)
        if not isinstance(stream, StreamObject):
            continue  # pypdf reads the referring objects as null, like viewers do
        budget -= len(stream.get_data())
        if budget < 0:
            raise _TooComplex


def _problem(data: bytes) -> PdfProblem | None:
    reader = PdfReader(io.BytesIO(data), xref_stream_maximum_entries=limits.MAX_PDF_OBJECTS)
    if reader.is_encrypted:
        return PdfProblem.ENCRYPTED
    if sum(len(numbers) for numbers in reader.xref.values()) + len(reader.xref_objStm) > limits.MAX_PDF_OBJECTS:
        return PdfProblem.TOO_COMPLEX
    _decode_object_streams(reader)
    if len(reader.pages) > limits.MAX_PDF_PAGES:
        return PdfProblem.TOO_COMPLEX
    return _Walk(reader).problem()


def _over_a_limit(error: BaseException | None) -> bool:
    """Whether a limit caused the error; pypdf sometimes wraps its LimitReachedError."""
    while error is not None:
        if isinstance(error, _TooComplex | LimitReachedError | MemoryError | RecursionError):
            return True
        error = error.__cause__ or error.__context__
    return False


def pdf_problem(data: bytes) -> PdfProblem | None:
    """What makes this PDF unacceptable, or None when it is a passive document."""
    with apply_configuration(_PARSER_LIMITS):
        try:
            return _problem(data)
        except Exception as error:
            # pypdf raises its own errors and, on hostile input, also ValueError, KeyError,
            # AssertionError, zlib.error…: whatever it cannot read, we do not accept.
            return PdfProblem.TOO_COMPLEX if _over_a_limit(error) else PdfProblem.DAMAGED


def main() -> None:
    """The inspector as its own process (apps/media/pdf.py starts it): the PDF on stdin, the
    verdict on stdout. The kernel caps its memory and CPU, so no file can make it grow or
    spin without bound, whatever pypdf does with it."""
    memory, seconds = limits.PDF_CHECK_MEMORY_BYTES, limits.PDF_CHECK_SECONDS
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    problem = pdf_problem(sys.stdin.buffer.read())
    sys.stdout.write(problem.value if problem is not None else OK)


if __name__ == "__main__":
    main()

"""The PDF check of background-check documents: apps/media/pdf_inspect.py reads the file in a
process of its own, under kernel limits on memory and time, and says what is wrong with it."""

from __future__ import annotations

import subprocess
import sys

from apps.media import limits
from apps.media.content import reject
from apps.media.pdf_inspect import OK, PdfProblem

_PRINT_AGAIN = " Print it to a new PDF and upload that."
MESSAGES = {
    PdfProblem.DAMAGED: "This PDF seems damaged or incomplete. Download or export it again.",
    PdfProblem.ENCRYPTED: "This PDF is password-protected. Upload a copy without a password.",
    PdfProblem.TOO_COMPLEX: "This PDF is too complex to check." + _PRINT_AGAIN,
    PdfProblem.ACTIVE: "This PDF contains scripts or automatic actions, which we don't accept." + _PRINT_AGAIN,
    PdfProblem.ATTACHMENTS: "This PDF has files attached inside it, which we don't accept." + _PRINT_AGAIN,
    PdfProblem.XFA: "This PDF is an XFA form, which we don't accept." + _PRINT_AGAIN,
}
# -I: the inspector ignores PYTHON* variables, the user's site-packages and the working
# directory, so nothing but the installed code runs in it.
_INSPECTOR = (sys.executable, "-I", "-m", "apps.media.pdf_inspect")


def pdf_inspect(data: bytes) -> PdfProblem | None:
    """The inspector's verdict on the file; a file that makes it exceed its limits is too complex."""
    try:
        done = subprocess.run(
            _INSPECTOR, input=data, capture_output=True, timeout=limits.PDF_CHECK_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return PdfProblem.TOO_COMPLEX
    if done.returncode < 0:  # killed by the kernel: the CPU limit, or memory exhausted inside C code
        return PdfProblem.TOO_COMPLEX
    verdict = done.stdout.decode("ascii", errors="replace")
    if done.returncode != 0 or verdict not in {OK, *(problem.value for problem in PdfProblem)}:
        # Not the file's fault (the inspector catches whatever the file provokes): a broken
        # installation. Fail loudly rather than accept unchecked files or blame the user's.
        raise RuntimeError(f"PDF inspector failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
    return None if verdict == OK else PdfProblem(verdict)


def pdf_check(data: bytes) -> None:
    """Raise ValidationFailed unless the PDF is complete and passive."""
    problem = pdf_inspect(data)
    if problem is not None:
        raise reject(MESSAGES[problem])

"""Exceptions of the package; each subclasses the built-in it refines."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "ValidationError", "InputFormatError", "RegistryError", "EmptyDataError"]


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    file : str
        File name as given by the user.
    row : int or None
        1-based data row (the header is row 0; a spreadsheet shows it as line ``row + 1``).
    column : str or None
        Column name in the file.
    value : str
        The offending value, as read.
    expected : str
        What was expected, in words.
    """

    file: str
    row: int | None
    column: str | None
    value: str
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        value = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return f"{where}: got {value!r}, expected {self.expected}"


class ValidationError(ValueError):
    """Input rows failed validation; nothing was written.

    Parameters
    ----------
    problems : list of Problem
        Every problem found (not only the first).
    """

    def __init__(self, problems: list[Problem], max_shown: int = 50) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:max_shown])
        more = len(self.problems) - max_shown
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{len(self.problems)} problem(s) found; nothing was imported:\n{shown}{tail}"
        )


class InputFormatError(ValueError):
    """A file cannot be read as the format it claims (encoding, delimiter, type)."""


class RegistryError(RuntimeError):
    """The registry file is missing, locked or not a registry."""


class EmptyDataError(ValueError):
    """A computation was asked on data that has nothing to compute on."""

"""One exception tree; each error knows its exit code (DESIGN §7), mapped at one boundary."""

from enum import IntEnum
from typing import NamedTuple


class ExitCode(IntEnum):
    """Process exit codes: a failing gate and a crash never share one."""

    PASSED = 0
    GATE_FAILED = 1
    INPUT_ERROR = 2
    RESOLUTION_ERROR = 3
    INTERNAL_ERROR = 70
    """EX_SOFTWARE: a bug in the tool itself."""
    BROKEN_PIPE = 141
    """The output's reader went away (128 + SIGPIPE, as a shell reports a process it killed)."""


class LicensecheckError(Exception):
    """Base of every error the tool reports to a user as one line."""

    exit_code: ExitCode = ExitCode.INPUT_ERROR
    tip: str | None = None

    def one_line(self) -> str:
        """The message as printed on stderr, with a tip where one helps."""
        from .safetext import escape_controls

        text = " ".join(str(self).split())
        line = f"{text} (tip: {self.tip})" if self.tip else text
        return escape_controls(line)


class InputError(LicensecheckError):
    """The user's input cannot be read or does not mean what it must (exit 2)."""


class Problem(NamedTuple):
    """One validation problem with where it is."""

    file: str
    message: str
    entry: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.entry:
            where += f" [{self.entry}]"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.message}"


class ValidationError(InputError):
    """A declarative file (rules, knowledge base, policy) is invalid: every problem at once."""

    def __init__(self, what: str, problems: list[Problem]) -> None:
        self.what = what
        self.problems = tuple(problems)
        first = str(problems[0]) if problems else "invalid"
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"invalid {what}: {first}{more}")

    def details(self) -> list[str]:
        """Every problem, one per line."""
        return [str(p) for p in self.problems]


class RuleFileError(ValidationError):
    """A rule file is invalid."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("rule file", problems)


class PolicyError(ValidationError):
    """The policy file is invalid."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("policy file", problems)


class KnowledgeBaseError(ValidationError):
    """The knowledge base is invalid."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("knowledge base", problems)


class ResolutionError(LicensecheckError):
    """The lineage could not be resolved far enough to judge the subject (exit 3)."""

    exit_code = ExitCode.RESOLUTION_ERROR

    def __init__(self, message: str, tip: str | None = None) -> None:
        super().__init__(message)
        self.tip = tip


class InternalError(LicensecheckError):
    """A bug in the tool itself (exit 70): never a verdict, never the gate's exit code."""

    exit_code = ExitCode.INTERNAL_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.tip = (
            "this is a bug in licensecheck: please report it to the project's issue tracker "
            "with the command you ran; --debug shows the traceback"
        )

    @classmethod
    def from_exception(cls, what: str, exc: BaseException) -> "InternalError":
        """An internal error for `exc`, raised while doing `what`."""
        error = cls(f"{what}: internal error: {type(exc).__name__}: {exc}")
        error.__cause__ = exc
        return error


class CompiledFileError(InputError):
    """A compiled knowledge-base and rules file is damaged or of another version."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: not a usable compiled file ({reason})")
        self.tip = (
            "reinstall model-licensecheck, or run `licensecheck db compile` again for a file "
            "you compiled yourself"
        )


class YamlError(ValueError):
    """The text is not YAML we accept; the message names the line. Callers turn it into the
    validation error of the file they read."""


class PatternError(ValueError):
    """A rule's path pattern is not valid (rules/pathpattern.py); reported as a rule-file
    problem."""


class GitHubApiError(ResolutionError):
    """GitHub's REST API answered with an error or could not be reached (github.py). The
    Action reports it as a warning: the comment is a courtesy and never changes the exit code
    of the check."""

"""BuildError: the graph cannot become a torch module yet, and why, in plain words."""

from __future__ import annotations

from collections.abc import Sequence

from explorer.graph import GraphError, Issue

SHOWN_ISSUES = 3


class BuildError(GraphError):
    """Raised instead of building a network the checker found errors in.

    ``issues`` holds every error; the message lists the first few, each
    naming its node, so a person can go and fix them.
    """

    def __init__(self, message: str, *, node_id: str | None = None, hint: str = "",
                 issues: Sequence[Issue] = ()) -> None:
        super().__init__(message, node_id=node_id, hint=hint)
        self.issues = tuple(issues)

    def __str__(self) -> str:
        return self.message + (f" {self.hint}" if self.hint else "")

    @classmethod
    def from_issues(cls, issues: Sequence[Issue]) -> BuildError:
        shown = "\n".join(f"- {issue}" for issue in issues[:SHOWN_ISSUES])
        more = len(issues) - SHOWN_ISSUES
        if more > 0:
            shown += f"\n- and {more} more problem{'s' if more > 1 else ''}."
        count = "a problem" if len(issues) == 1 else f"{len(issues)} problems"
        return cls(f"The network cannot be built yet: it has {count}.\n{shown}",
                   node_id=issues[0].node_id if issues else None, issues=issues)

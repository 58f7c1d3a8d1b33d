"""A finished run's summary as a Markdown page, published as a Prefect artifact by the flows."""

from __future__ import annotations

from .run import Run


def run_markdown(flow_name: str, totals: dict, report: dict) -> str:
    """The run as a Markdown page: counts per stage, per feed, failures by reason."""
    from .progress import EXTRA_ROWS, SUMMARY_ROWS

    lines = [f"# chipwire {flow_name} run `{totals.get('run_id')}`", "", "| stage | count |", "| --- | ---: |"]
    lines += [f"| {label} | {totals[key]} |" for label, key in SUMMARY_ROWS + EXTRA_ROWS if key in totals]
    lines += [f"> {note}" for note in totals.get("notes") or ()]
    if report["feeds"]:
        lines += ["", "## Feeds", "", "| feed | HTTP | health | entries seen (total) | errors in a row |",
                  "| --- | ---: | --- | ---: | ---: |"]
        lines += [f"| {name} | {status or ''} | {health} | {seen} | {errs} |"
                  for name, status, health, seen, errs in report["feeds"]]
    if report["failures"]:
        lines += ["", "## Failures by reason", "", "| stage | reason | URLs |", "| --- | --- | ---: |"]
        lines += [f"| {stage} | {reason.replace('|', '/')} | {n} |" for stage, reason, n in report["failures"]]
    return "\n".join(lines) + "\n"


def publish_artifact(run: Run) -> dict:
    """Publish the finished run as a Prefect Markdown artifact; returns the flow's result."""
    from prefect.artifacts import create_markdown_artifact

    result = run.result()
    try:
        create_markdown_artifact(key=f"chipwire-{run.flow}",
                                 markdown=run_markdown(run.flow, result, run.wh.operations.run_report(run.run_id)),
                                 description=f"chipwire {run.flow}: counts per stage and feed, failures by reason")
    except Exception:  # an artifact is a courtesy: never fail a run that loaded its data
        pass
    return result

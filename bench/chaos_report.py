"""What `make chaos` prints: per phase, what readers were answered and what the editor's approvals came to;
then the figures that must be zero, and what the task worker and gunicorn logged."""

import re
import statistics
from collections import Counter

from django_tasks_db.models import DBTaskResult

from bench.mixed_load import approved_markers
from casefile.models import Fact


def report(out, run, load):
    """The two tables, one row a phase; `load` says what worked during the run."""
    phases = [name for name, _ in run.timeline.phases]
    began = dict(zip(phases, run.timeline.began_at))
    out(f"\n{load} A request counts in the phase it was answered in. Stale: a page showing an approved fact "
        f"older than the latest approval that had answered before the page was asked for; past settle: "
        f"answered {run.timeline.settle:g} s or more after the phase's change.\n")
    out("| phase | from (UTC) | requests | 200 | of them with Warning: 110 | 503 | other 5xx | other | no answer "
        "| stale | stale past settle, without Warning: 110 |")
    out("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for phase in phases:
        reads = [read for read in run.reads if read.phase == phase]
        statuses = Counter(read.status for read in reads)
        other_5xx = sum(n for status, n in statuses.items() if status is not None and status >= 500 and status != 503)
        other = sum(n for status, n in statuses.items() if status is not None and status != 200 and status < 500)
        warned = sum(read.warned for read in reads if read.status == 200)
        out(f"| {phase} | {began[phase]:%H:%M:%S} | {len(reads)} | {statuses[200]} | {warned} | {statuses[503]} "
            f"| {other_5xx} | {other} | {statuses[None]} | {sum(bool(read.stale) for read in reads)} "
            f"| {sum(bool(read.stale) for read in judged(reads))} |")
    out("\n| phase | approvals attempted | succeeded | failed | lost | kept again by the worker "
        "| kept again, p50 / max s | tasks queued | /readyz answers |")
    out("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |")
    queued = Counter(run.timeline.phase_of(at) for at in DBTaskResult.objects.values_list("enqueued_at", flat=True))
    lost = Counter(phase for phase, _ in run.lost)
    for phase in phases:
        approvals = [approval for approval in run.approvals if approval.phase == phase]
        succeeded = [approval for approval in approvals if approval.answered is not None]
        failed = Counter(approval.failure for approval in approvals if approval.answered is None)
        kept = sorted(approval.kept_seconds for approval in succeeded if approval.kept_seconds is not None)
        timing = f"{statistics.median(kept):.2f} / {kept[-1]:.2f}" if kept else "-"
        readyz = Counter(summary for name, summary in run.readyz if name == phase)
        out(f"| {phase} | {len(approvals)} | {len(succeeded)} | {counted(failed) or '-'} | {lost[phase]} "
            f"| {len(kept)} of {len(succeeded)} | {timing} | {queued[phase]} | {counted(readyz)} |")


def judged(reads):
    """The reads a stale page counts against: past the settle time, and not said to be possibly out of date."""
    return [read for read in reads if not read.settling and not read.warned]


def counted(counter):
    return "; ".join(f"{what} ×{n}" for what, n in counter.most_common())


def must_be_zero(out, run):
    """Print the figures that must be zero; return those that are not."""
    stale = [read for read in judged(run.reads) if read.stale]
    figures = {
        "answers 5xx other than 503 (a bare 500 included), to readers, the editor and /readyz": [
            f"{who}: {status}" for (who, status), n in run.answers.items() if status >= 500 and status != 503
            for _ in range(n)
        ],
        "requests readers sent that got no answer": [read.url for read in run.reads if read.status is None],
        "approvals lost (answered success, not shown to readers once everything is back)": [
            found for _, found in run.lost
        ],
        "stale pages past the settle time, without Warning: 110": [read.stale for read in stale],
        "unapproved text readers saw": sorted(run.seen - approved_markers([Fact])),
        "errors in the load's threads": run.errors,
    }
    out("\nMust be zero:")
    for label, found in figures.items():
        out(f"- {label}: {len(found)}" + "".join(f"\n  - {example}" for example in found[:8]))
    if stale:
        late = sorted(read.stale_after for read in stale)
        out(f"  The stale pages were asked for {late[0]:.2f} to {late[-1]:.2f} s after the approval they missed "
            f"(median {statistics.median(late):.2f} s).")
    return [label for label, found in figures.items() if found]


def report_processes(out, run, logs):
    """What the worker and gunicorn did besides: exits unasked, tasks by state, the causes of 5xx answers.

    Every stale page read, in any phase, is listed in stale-pages.txt beside the logs.
    """
    stale = [read.stale for read in run.reads if read.stale]
    if stale:
        (logs / "stale-pages.txt").write_text("\n".join(stale) + "\n")
    exits = ", ".join(f"{phase} (exit code {code})" for phase, code in run.worker_exits) or "none"
    out(f"\nTask worker exits the run did not cause: {exits}.")
    for line in _exception_lines(logs / "db_worker.log"):
        out(f"  - {line}")
    tasks = Counter((path.rpartition(".")[2], status.lower())
                    for path, status in DBTaskResult.objects.values_list("task_path", "status"))
    out("Tasks over the run: " + ", ".join(f"{task} {status}: {n}" for (task, status), n in sorted(tasks.items())))
    log = (logs / "gunicorn.log").read_text(errors="replace")
    unavailable = Counter(_cause(block) for block in _logged(log, "Service Unavailable:"))
    out(f"gunicorn's log: {sum(unavailable.values())} answers of 503 logged"
        + "".join(f"\n  - {n} × {cause}" for cause, n in unavailable.most_common()))
    errors = _logged(log, "Internal Server Error:")
    out(f"  and {len(errors)} of 500" + (", the first of each cause:" if errors else "."))
    shown = set()
    for block in errors:
        if _cause(block) not in shown:
            shown.add(_cause(block))
            out("  " + "\n  ".join(block))


# A line that ends a traceback: the exception's class (with its module) and message.
EXCEPTION_LINE = re.compile(r"^[\w.]+(?:Error|Exception|Exit|Interrupt)\b.*$", re.MULTILINE)


def _exception_lines(path):
    found = []
    for line in EXCEPTION_LINE.findall(path.read_text(errors="replace")):
        if line not in found:
            found.append(line)
    return found[:5]


# What starts an entry of the log: Django's for a 4xx or 5xx answer, gunicorn's own, the app's warnings.
LOG_ENTRY = re.compile(r"^(?:\[|[A-Z][\w ]+: /|The shared cache)")


def _cause(entry):
    """The exception that ended a logged entry, or its first line when it has none (a 503 of /readyz)."""
    return next((line for line in reversed(entry) if EXCEPTION_LINE.match(line)), entry[0])


def _logged(log, opening):
    """The entries of the log that begin with `opening`, each its lines down to the exception that ended it.

    An exception's message may run over several lines (psycopg's do).
    """
    blocks = []
    for chunk in log.split("\n" + opening)[1:]:
        lines = [line for line in chunk.splitlines() if line.strip()]
        end = next((n for n, line in enumerate(lines[1:], 1) if LOG_ENTRY.match(line)), len(lines))
        blocks.append([opening + lines[0], *lines[1:end]])
    return blocks

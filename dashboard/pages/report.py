"""Rapport: generate the annual territorial report and download it.

The report is the one of ``ecosystem report`` (:func:`report.build_report`): a
public document by construction (every table goes through statistical disclosure
control), so both roles may generate it.

**The queue.** A report takes about a minute of CPU (its PDF included), so it is never
built in a thread of the web server: the button puts it in the report queue
(:class:`ReportQueue`), whose own worker builds :data:`WORKERS` report at a time, and
the page asks every :data:`POLL_MS` milliseconds whether it is ready (the answer is
immediate). Staff reports go before the visitors'. Without sign-in, at most
:data:`PUBLIC_PER_ADDRESS` report per address and :data:`PUBLIC_PENDING` in all wait
or are being built; beyond, the page says so and nothing is queued. A report already
built, or already waiting, for the same (registry state, territory, level, year,
comparison year, language) is not built again.

**Old builds are deleted**: only the :data:`KEEP` most recent built reports are kept,
none older than :data:`MAX_AGE_HOURS` hours (a link to a deleted one answers 404).

**Files.** A built report's files are served by ``/rapport/fichier/<key>/<name>``
from a fixed list of names (:data:`FILES`), never from a path the browser sends; its
``manifest.json`` is the public one (:func:`public_manifest`: parameters and hashes).
What the report writes in its manifest beside them (the registry's path, the
settings, whose cache folder names the server's user, the software version and the
audit of the suppressed cells) is kept in ``audit.json``, served to staff only by
``/rapport/audit/<key>`` (a route that is not public, :mod:`dashboard.public`).
"""

from __future__ import annotations

import atexit
import hashlib
import heapq
import json
import shutil
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dash import Input, Output, State, ctx, dcc, html
from flask import Response, abort, request, send_file

from report.render import public_manifest

from .. import auth
from ..components import (
    error_box,
    level_dropdown,
    page,
    territory_dropdown,
    territory_options,
    year_dropdown,
)
from ..i18n import translator

__all__ = ["PATH", "NAV", "STAFF_ONLY", "LEVELS", "FILES", "AUDIT_FILE", "layout",
           "register", "submit", "public_manifest", "split_manifest", "ReportQueue",
           "ReportJob", "QueueFullError", "QUEUE", "WORKERS", "PUBLIC_PENDING",
           "PUBLIC_PER_ADDRESS", "KEEP", "MAX_AGE_HOURS", "POLL_MS"]

PATH = "/rapport"
NAV = "nav_report"
STAFF_ONLY = False

#: Levels offered by the page.
LEVELS: tuple[str, ...] = ("region", "departement", "epci")

#: Reports built at once by the queue's worker (each takes about a minute of one core).
WORKERS = 1
#: Visitors' reports waiting or being built: in all, and per address.
PUBLIC_PENDING = 4
PUBLIC_PER_ADDRESS = 1
#: Built reports kept: the most recent ``KEEP``, none older than ``MAX_AGE_HOURS``.
KEEP = 20
MAX_AGE_HOURS = 24.0
#: How often the page asks whether its report is ready (milliseconds).
POLL_MS = 1500

TEXT = {
    "title": ("Rapport annuel", "Annual report"),
    "intro": ("Le rapport annuel du milieu internationalisant d'un territoire : synthèse, "
              "les quatre D face à la région et aux territoires pairs, cartes, réseau "
              "d'acteurs, PME (effectifs seulement), recommandations et annexe de méthode. "
              "Toutes ses tableaux passent par le secret statistique (« s ») : il peut être "
              "publié tel quel. C'est le rapport de la commande « ecosystem report ».",
              "The annual report on a territory's internationalising milieu: summary, the "
              "four D against the region and peer territories, maps, actor network, SMEs "
              "(counts only), recommendations and a method annex. Every table goes through "
              "statistical disclosure control (“s”): it can be published as it is. It is the "
              "report of the “ecosystem report” command."),
    "report_lang": ("Langue du rapport", "Report language"),
    "generate": ("Générer le rapport", "Generate the report"),
    "working": ("La génération prend de l'ordre d'une minute ; les liens de téléchargement "
                "apparaissent ci-dessus.",
                "Generating takes about a minute; the download links appear above."),
    "queued": ("Rapport en file d'attente ({n} avant lui) : cette page se met à jour "
               "d'elle-même.",
               "Report queued ({n} before it): this page updates itself."),
    "running": ("Rapport en cours de génération (de l'ordre d'une minute) : cette page se "
                "met à jour d'elle-même.",
                "Report being generated (about a minute): this page updates itself."),
    "full": ("Trop de rapports sont en attente : réessayez dans quelques minutes.",
             "Too many reports are waiting: try again in a few minutes."),
    "one_each": ("Un rapport demandé depuis votre adresse est déjà en attente : attendez "
                 "qu'il soit prêt.",
                 "A report asked from your address is already waiting: wait until it is "
                 "ready."),
    "gone": ("Ce rapport n'est plus conservé : générez-le à nouveau.",
             "This report is no longer kept: generate it again."),
    "failed": ("La génération a échoué : {msg}", "Generating failed: {msg}"),
    "ready": ("Rapport prêt : {name}, {year}", "Report ready: {name}, {year}"),
    "pdf": ("Rapport PDF", "PDF report"),
    "html": ("Rapport HTML", "HTML report"),
    "tables": ("Tableaux publiés (CSV, zip)", "Published tables (CSV, zip)"),
    "manifest": ("Manifeste (reproductibilité)", "Manifest (reproducibility)"),
    "audit": ("Audit du secret statistique et paramètres complets (personnel)",
              "Disclosure audit and full settings (staff)"),
    "same_year": ("L'année de comparaison doit différer de l'année du rapport.",
                  "The comparison year must differ from the report's year."),
}
t = translator(TEXT)

#: Files of a built report that anyone may download, and their MIME types.
FILES: dict[str, tuple[str, str]] = {
    "report.pdf": ("pdf", "application/pdf"),
    "report.html": ("html", "text/html"),
    "tables.zip": ("tables", "application/zip"),
    "manifest.json": ("manifest", "application/json"),
}
#: The staff file of a built report: the report's whole manifest, audit included.
AUDIT_FILE = "audit.json"


# ---------------------------------------------------------------------------
# the queue
# ---------------------------------------------------------------------------

class QueueFullError(RuntimeError):
    """A visitor's report cannot be queued now (``reason``: ``full`` or ``one_each``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ReportJob:
    """A report in the queue: ``state`` is ``queued``, ``running``, ``done`` or
    ``failed`` (then ``error`` says why); ``folder`` holds its files once done."""

    key: str
    staff: bool
    owner: str
    seq: int
    state: str = "queued"
    error: str | None = None
    folder: Path | None = None
    finished: float | None = None
    about: dict[str, Any] | None = None


class ReportQueue:
    """Reports built by worker threads of their own, in the order they were asked
    (staff first), with limits for visitors and the deletion of old builds.

    Parameters
    ----------
    root : callable
        Returns the folder under which each report gets a folder named by its key.
    workers : int
        Reports built at once.
    public_pending, per_address : int
        Visitors' reports waiting or being built, in all and per address.
    keep : int
        Built reports kept (the most recent).
    max_age_s : float
        Seconds a built report is kept.
    clock : callable
        The time (seconds), for the tests.

    Examples
    --------
    >>> root = Path(tempfile.mkdtemp())
    >>> q = ReportQueue(lambda: root, keep=1)
    >>> job = q.submit("a", lambda out: (out / "x").write_text("1"), staff=False,
    ...                owner="192.0.2.1")
    >>> q.wait("a", 10).state
    'done'
    >>> q.submit("b", lambda out: None, staff=False, owner="192.0.2.1") and \\
    ...     q.wait("b", 10).state
    'done'
    >>> q.get("a") is None, (root / "a").exists()  # keep=1: the older one is deleted
    (True, False)
    >>> shutil.rmtree(root)
    """

    def __init__(self, root: Callable[[], Path], *, workers: int = 1,
                 public_pending: int = 4, per_address: int = 1, keep: int = 20,
                 max_age_s: float = 24 * 3600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._root = root
        self.workers = workers
        self.public_pending = public_pending
        self.per_address = per_address
        self.keep = keep
        self.max_age_s = max_age_s
        self._clock = clock
        self._jobs: dict[str, ReportJob] = {}
        self._builds: dict[str, Callable[[Path], None]] = {}
        self._heap: list[tuple[int, int, str]] = []
        self._seq = 0
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []

    def submit(self, key: str, build: Callable[[Path], None], *, staff: bool,
               owner: str, about: dict[str, Any] | None = None) -> ReportJob:
        """Queue ``build(folder)`` under ``key`` (or return the job already built or
        waiting for it); ``folder`` is created for it, and deleted if the build fails.
        ``about`` is kept with the job (what the page says of it).

        Raises
        ------
        QueueFullError
            A visitor's report beyond :attr:`public_pending` or :attr:`per_address`.
        """
        with self._cond:
            self._purge_locked()
            job = self._jobs.get(key)
            if job is not None and job.state != "failed":
                if staff and job.state == "queued" and not job.staff:
                    job.staff = True  # a staff member asked for it too: it goes first
                    self._push_locked(job)
                return job
            if not staff:
                pending = [j for j in self._jobs.values()
                           if not j.staff and j.state in ("queued", "running")]
                if sum(j.owner == owner for j in pending) >= self.per_address:
                    raise QueueFullError("one_each")
                if len(pending) >= self.public_pending:
                    raise QueueFullError("full")
            self._seq += 1
            job = ReportJob(key, staff, owner, self._seq, about=about)
            self._jobs[key] = job
            self._builds[key] = build
            self._push_locked(job)
            while len(self._threads) < self.workers:
                worker = threading.Thread(target=self._work, daemon=True,
                                          name=f"report-worker-{len(self._threads)}")
                self._threads.append(worker)
                worker.start()
            self._cond.notify_all()
            return job

    def get(self, key: str) -> ReportJob | None:
        """The job of ``key``, or None (never asked, or deleted)."""
        with self._cond:
            return self._jobs.get(key)

    def ahead(self, key: str) -> int:
        """How many reports are waiting or being built before ``key``'s."""
        with self._cond:
            job = self._jobs.get(key)
            if job is None or job.state != "queued":
                return 0
            mine = (0 if job.staff else 1, job.seq)
            return sum(1 for j in self._jobs.values() if j.state == "running" or (
                j.state == "queued" and (0 if j.staff else 1, j.seq) < mine))

    def wait(self, key: str, timeout: float) -> ReportJob | None:
        """The job of ``key`` once done or failed (or as it is after ``timeout`` s)."""
        with self._cond:
            self._cond.wait_for(lambda: self._jobs.get(key) is None or self._jobs[
                key].state in ("done", "failed"), timeout)
            return self._jobs.get(key)

    def purge(self) -> None:
        """Delete the built reports beyond :attr:`keep` or older than :attr:`max_age_s`."""
        with self._cond:
            self._purge_locked()

    def _push_locked(self, job: ReportJob) -> None:
        heapq.heappush(self._heap, (0 if job.staff else 1, job.seq, job.key))

    def _purge_locked(self) -> None:
        now = self._clock()
        ended = sorted((j for j in self._jobs.values() if j.state in ("done", "failed")),
                       key=lambda j: j.finished or 0.0, reverse=True)
        built = 0
        for job in ended:
            old = now - (job.finished or now) > self.max_age_s
            if job.state == "done":
                built += 1
                old = old or built > self.keep
            if old:
                del self._jobs[job.key]
                if job.folder is not None:
                    shutil.rmtree(job.folder, ignore_errors=True)

    def _work(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._heap))
                _, _, key = heapq.heappop(self._heap)
                job = self._jobs.get(key)
                if job is None or job.state != "queued":
                    continue  # pushed twice (a staff member asked for it too)
                job.state = "running"
                build = self._builds.pop(key)
            folder = self._root() / key
            error = None
            try:
                folder.mkdir(parents=True, exist_ok=True)
                build(folder)
            except Exception as exc:  # the worker survives any report; the page says why
                error = str(exc.args[0] if exc.args else exc)[:500] or type(exc).__name__
                if not isinstance(exc, (ValueError, LookupError, OSError)):
                    traceback.print_exc(file=sys.stderr)
            with self._cond:
                job.state = "failed" if error else "done"
                job.error, job.folder, job.finished = error, folder, self._clock()
                if error:
                    shutil.rmtree(folder, ignore_errors=True)
                    job.folder = None
                self._purge_locked()
                self._cond.notify_all()


_root: list[Path] = []


def _workdir() -> Path:
    if not _root:
        path = Path(tempfile.mkdtemp(prefix="ecosystem-reports-"))
        atexit.register(shutil.rmtree, path, True)
        _root.append(path)
    return _root[0]


#: The dashboard's report queue.
QUEUE = ReportQueue(_workdir, workers=WORKERS, public_pending=PUBLIC_PENDING,
                    per_address=PUBLIC_PER_ADDRESS, keep=KEEP,
                    max_age_s=MAX_AGE_HOURS * 3600)


def _key(params: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(params).encode()).hexdigest()[:20]


def split_manifest(folder: Path) -> None:
    """Make ``manifest.json`` in ``folder`` the public one (:func:`public_manifest`),
    with the report's whole manifest in :data:`AUDIT_FILE` (staff): the one the report
    wrote there, or else its ``manifest.json`` moved there."""
    path = folder / "manifest.json"
    full = json.loads(path.read_text(encoding="utf-8"))
    if not (folder / AUDIT_FILE).is_file():
        path.replace(folder / AUDIT_FILE)
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(public_manifest(full), ensure_ascii=False, indent=1),
                   encoding="utf-8")
    tmp.replace(path)


def submit(data: Any, territory: str, level: str, year: int, compare_year: int | None,
           lang: str, *, staff: bool, owner: str) -> ReportJob:
    """Queue the report (or find it built or waiting) and return its job.

    Raises
    ------
    QueueFullError
        See :meth:`ReportQueue.submit`.
    """
    from report import build_report

    params = (str(Path(data.path).resolve()), data.state(), territory, level, int(year),
              compare_year, lang)

    def build(out: Path) -> None:
        files = build_report(data.registry, int(year), territory, level=level,
                             compare_year=compare_year, lang=lang, out=out)
        tables = Path(files.get("tables", out / "tables"))
        with zipfile.ZipFile(out / "tables.zip", "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(tables.glob("*.csv")):
                z.write(f, f"tables/{f.name}")
        split_manifest(out)

    return QUEUE.submit(_key(params), build, staff=staff, owner=owner,
                        about={"level": level, "territory": territory, "year": int(year)})


# ---------------------------------------------------------------------------
# page
# ---------------------------------------------------------------------------

def layout(ctx: Any) -> Any:
    data, lang = ctx.data, ctx.lang
    years = data.years()
    year = years[-1] if years else None
    before = years[-2] if len(years) > 1 else None
    terr = data.territories("departement")
    first = str(terr["code"].iloc[0]) if len(terr) else None
    return page(
        t("title", lang), t("intro", lang),
        html.Div([
            level_dropdown("report-level", lang, "departement", LEVELS),
            territory_dropdown("report-territory", terr, first, lang),
            year_dropdown("report-year", years, year, lang),
            year_dropdown("report-compare-year", years, before, lang, "compare_year",
                          clearable=True),
            html.Label([t("report_lang", lang), dcc.Dropdown(
                id="report-lang", options=[{"label": "Français", "value": "fr"},
                                           {"label": "English", "value": "en"}],
                value=lang, clearable=False)], className="control"),
            html.Button(t("generate", lang), id="report-generate", className="action",
                        n_clicks=0),
        ], className="controls"),
        html.Div(id="report-result", role="status", **{"aria-live": "polite"}),
        dcc.Store(id="report-job", data=None),
        dcc.Interval(id="report-poll", interval=POLL_MS, disabled=True, n_intervals=0),
        html.P(t("working", lang), id="report-working", className="intro"),
        page_id="page-report",
    )


def _territory_name(data: Any, level: str, code: str) -> str:
    terr = data.territories(level)
    return str(dict(zip(terr["code"].astype(str), terr["name"], strict=True)).get(code, code))


def _state(data: Any, key: str | None, lang: str) -> tuple[Any, bool, Any]:
    """What the page shows of the report ``key``: (content, poll disabled, job store)."""
    job = QUEUE.get(key) if key else None
    if job is None:
        return error_box(t("gone", lang), lang, "report-error"), True, None
    if job.state == "failed":
        return (error_box(t("failed", lang, msg=job.error or ""), lang, "report-error"),
                True, None)
    if job.state != "done":
        text = t("queued", lang, n=QUEUE.ahead(job.key)) if job.state == "queued" else \
            t("running", lang)
        return (html.P(text, className="intro", id="report-waiting"), False,
                {"key": job.key})
    links = [html.Li(html.A(t(label, lang), href=f"/rapport/fichier/{job.key}/{fname}",
                            id=f"report-link-{label}", target="_blank", download=fname))
             for fname, (label, _mime) in FILES.items()]
    if auth.is_staff():
        links.append(html.Li(html.A(t("audit", lang), href=f"/rapport/audit/{job.key}",
                                    id="report-link-audit", target="_blank",
                                    download=AUDIT_FILE)))
    about = job.about or {}
    said = [html.P(t("ready", lang, name=_territory_name(
        data, str(about["level"]), str(about["territory"])), year=about["year"]))] \
        if about else []
    return html.Div([*said, html.Ul(links)], className="ok-box", id="report-ready"), \
        True, None


def register(app: Any, data: Any) -> None:
    @app.callback(Output("report-territory", "options"), Output("report-territory", "value"),
                  Input("report-level", "value"), State("report-territory", "value"))
    def _territories(level: str, current: str | None) -> tuple[Any, Any]:
        # level: one of LEVELS (checked before the callback runs, dashboard.limits)
        terr = data.territories(level)
        codes = terr["code"].astype(str).tolist()
        return territory_options(terr), current if current in codes else (
            codes[0] if codes else None)

    @app.callback(Output("report-result", "children"), Output("report-poll", "disabled"),
                  Output("report-job", "data"),
                  Input("report-generate", "n_clicks"), Input("report-poll", "n_intervals"),
                  State("report-level", "value"), State("report-territory", "value"),
                  State("report-year", "value"), State("report-compare-year", "value"),
                  State("report-lang", "value"), State("lang", "data"),
                  State("report-job", "data"), prevent_initial_call=True)
    def _generate(_: int, __: int, level: str, territory: str, year: int,
                  compare_year: int | None, report_lang: str, lang: str | None,
                  job: dict[str, str] | None) -> tuple[Any, bool, Any]:
        lang = lang or "fr"
        if ctx.triggered_id == "report-poll":  # the page asks whether its report is ready
            content, stop, store = _state(data, (job or {}).get("key"), lang)
        else:
            if compare_year is not None and int(compare_year) == int(year):
                return error_box(t("same_year", lang), lang, "report-error"), True, None
            try:
                queued = submit(data, str(territory), level, int(year),
                                None if compare_year is None else int(compare_year),
                                report_lang, staff=auth.is_staff(),
                                owner=str(request.remote_addr or ""))
            except QueueFullError as exc:
                return error_box(t(exc.reason, lang), lang, "report-error"), True, None
            content, stop, store = _state(data, queued.key, lang)
        return content, stop, store

    @app.server.route("/rapport/fichier/<key>/<name>")
    def _download(key: str, name: str) -> Any:
        job = QUEUE.get(key)
        if job is None or job.state != "done" or job.folder is None or name not in FILES:
            abort(404)
        path = job.folder / name
        if not path.is_file():
            abort(404)
        resp = send_file(path, mimetype=FILES[name][1], as_attachment=name != "report.html",
                         download_name=name)
        if name == "report.html":  # self-contained: styles inline, images as data: URIs
            resp.headers["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "font-src data:; frame-ancestors 'none'; form-action 'none'")
        return resp

    @app.server.route("/rapport/audit/<key>")
    def _audit(key: str) -> Response:
        auth.require_staff()  # not a public route either (dashboard.public)
        job = QUEUE.get(key)
        if job is None or job.state != "done" or job.folder is None or \
                not (job.folder / AUDIT_FILE).is_file():
            abort(404)
        resp = send_file(job.folder / AUDIT_FILE, mimetype="application/json",
                         as_attachment=True, download_name=AUDIT_FILE)
        resp.headers["Cache-Control"] = "no-store"
        return resp

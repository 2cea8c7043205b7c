"""What a request may ask of the dashboard: every callback input checked against what
the pages offer.

**Inputs.** :func:`rules` declares, for every input and state of every callback of
the dashboard (component id and property), the values its page offers: the
registry's years, the levels of the page's dropdown, the numbers of its lists
(``top``, ``sites``), a distance within the page's range, territory codes of the
registry, bounded texts and tables. :func:`install` checks every request to Dash's
callback endpoint (``/_dash-update-component``) before the callback runs: a body
that is not the one of a known callback (unknown output, inputs other than the
callback's, malformed JSON) or a value the page does not offer is answered with
HTTP 400 and a message saying what was expected; nothing is computed. A callback
added without declaring its inputs is refused the same way (the tests check that
every input is declared).

Each computation a visitor can ask for is thus one of a finite set of choices, and
the expensive ones run in the slots of :mod:`dashboard.slots` (a report in the queue
of :mod:`dashboard.pages.report`), so the work of the public view is bounded.

Examples
--------
>>> rule = one_of((5, 10, 15, 20, 30), "a number of ties")
>>> rule.check(10, None) is None, rule.check(400, None)
(True, 'a number of ties: one of 5, 10, 15, 20, 30')
>>> number(1, 200, "d").check(float("nan"), None)
'd: a number from 1 to 200'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask import Response, request

from ecosystem.settings import CATEGORIES, RELATION_KINDS, get_settings

from . import auth
from .slots import BusyError

__all__ = ["Rule", "RequestContext", "one_of", "optional", "integer", "number", "steps",
           "text", "subset", "clicks", "mapping", "records", "rules", "check_callback",
           "install", "RefusedRequestError", "LANGS_OFFERED"]

#: Languages of the interface.
LANGS_OFFERED: tuple[str, ...] = ("fr", "en")
#: Longest text of a free text input, and of any string inside a table sent back.
_MAX_TEXT = 500
#: Most rows of a table sent back by the browser (tables of the pages are shorter).
_MAX_ROWS = 2000
#: Most keys of a JSON object of a store or a table row.
_MAX_KEYS = 40


@dataclass(frozen=True)
class RequestContext:
    """What a rule may look at: the dashboard's data and the role of the request."""

    data: Any
    staff: bool


@dataclass(frozen=True)
class Rule:
    """Allowed values of one input: ``test(value, ctx)`` says whether ``value`` is
    allowed; ``expected`` says in words what is."""

    expected: str
    test: Callable[[Any, RequestContext | None], bool] = field(repr=False)

    def check(self, value: Any, ctx: RequestContext | None) -> str | None:
        """None when ``value`` is allowed, else the expected values in words."""
        try:
            ok = bool(self.test(value, ctx))
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
            ok = False
        return None if ok else self.expected


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, bool) or _is_number(v) or (
        isinstance(v, str) and len(v) <= _MAX_TEXT)


def _show(values: Iterable[Any], limit: int = 12) -> str:
    items = [str(v) for v in values]
    more = f", … ({len(items)} values)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def one_of(choices: Collection[Any] | Callable[[RequestContext | None], Collection[Any]],
           what: str) -> Rule:
    """One of ``choices`` (or of ``choices(ctx)``, computed for the request)."""
    def test(v: Any, ctx: RequestContext | None) -> bool:
        allowed = choices(ctx) if callable(choices) else choices
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            return False
        return v in allowed
    listed = "" if callable(choices) else f": one of {_show(choices)}"
    return Rule(f"{what}{listed}", test)


def optional(rule: Rule) -> Rule:
    """``rule``, or nothing (None, the value of a cleared control)."""
    return Rule(f"{rule.expected}, or nothing",
                lambda v, ctx: v is None or rule.check(v, ctx) is None)


def integer(low: int, high: int, what: str) -> Rule:
    """An integer from ``low`` to ``high``."""
    return Rule(f"{what}: an integer from {low} to {high}",
                lambda v, ctx: _is_int(v) and low <= v <= high)


def number(low: float, high: float, what: str) -> Rule:
    """A finite number from ``low`` to ``high``."""
    return Rule(f"{what}: a number from {low:g} to {high:g}",
                lambda v, ctx: _is_number(v) and low <= v <= high)


def steps(low: float, high: float, step: float, what: str,
          extra: Callable[[], Iterable[float]] = tuple) -> Rule:
    """A number from ``low`` to ``high`` on a grid of ``step`` (a slider), or one of
    ``extra()`` (the page's default value)."""
    def test(v: Any, ctx: RequestContext | None) -> bool:
        if not (_is_number(v) and low <= v <= high):
            return False
        k = (v - low) / step
        return abs(k - round(k)) < 1e-9 or any(abs(v - e) < 1e-9 for e in extra())
    return Rule(f"{what}: a number from {low:g} to {high:g} in steps of {step:g}", test)


def text(max_len: int, what: str, pattern: str | None = None) -> Rule:
    """A text of at most ``max_len`` characters (matching ``pattern``, a regular
    expression, when given)."""
    rx = re.compile(pattern) if pattern else None
    return Rule(f"{what}: a text of at most {max_len} characters",
                lambda v, ctx: isinstance(v, str) and len(v) <= max_len
                and (rx is None or rx.fullmatch(v) is not None))


def subset(choices: Collection[Any] | Callable[[RequestContext | None], Collection[Any]],
           what: str) -> Rule:
    """A list of distinct values among ``choices``."""
    def test(v: Any, ctx: RequestContext | None) -> bool:
        allowed = choices(ctx) if callable(choices) else choices
        return (isinstance(v, list) and len(v) <= len(allowed)
                and all(isinstance(x, (str, int)) and not isinstance(x, bool)
                        and x in allowed for x in v)
                and len(set(v)) == len(v))
    listed = "" if callable(choices) else f" among {_show(choices)}"
    return Rule(f"{what}: a list of values{listed}", test)


#: Number of clicks of a button.
clicks = Rule("a number of clicks", lambda v, ctx: v is None or (_is_int(v) and
                                                               0 <= v <= 10**9))


def mapping(keys: Mapping[str, Rule] | None, what: str, max_keys: int = _MAX_KEYS) -> Rule:
    """A JSON object: with ``keys``, only those keys, each checked by its rule; else
    at most ``max_keys`` keys of short texts holding scalars."""
    def test(v: Any, ctx: RequestContext | None) -> bool:
        if not isinstance(v, dict) or len(v) > max_keys:
            return False
        if keys is None:
            return all(isinstance(k, str) and len(k) <= 100 and _is_scalar(x)
                       for k, x in v.items())
        return all(k in keys and keys[k].check(x, ctx) is None for k, x in v.items())
    return Rule(f"{what}: an object" + (f" with keys among {_show(keys)}" if keys else ""),
                test)


def records(what: str, max_rows: int = _MAX_ROWS) -> Rule:
    """A table sent back by the browser: at most ``max_rows`` objects of scalars."""
    row = mapping(None, what)
    return Rule(f"{what}: at most {max_rows} rows of short values",
                lambda v, ctx: isinstance(v, list) and len(v) <= max_rows
                and all(row.check(r, ctx) is None for r in v))


def _selected_rows(what: str) -> Rule:
    return Rule(f"{what}: a list of at most one row number",
                lambda v, ctx: v is None or (isinstance(v, list) and len(v) <= 1 and all(
                    _is_int(i) and 0 <= i < _MAX_ROWS for i in v)))


def _sort_by(columns: Collection[str], what: str) -> Rule:
    item = mapping({"column_id": one_of(tuple(columns), "a column"),
                    "direction": one_of(("asc", "desc"), "a direction")}, what)
    return Rule(f"{what}: at most one sort of a column of the table",
                lambda v, ctx: v is None or (isinstance(v, list) and len(v) <= 1 and all(
                    isinstance(s, dict) and set(s) >= {"column_id", "direction"}
                    and item.check(s, ctx) is None for s in v)))


# ---------------------------------------------------------------------------
# what the pages offer
# ---------------------------------------------------------------------------

def _data(ctx: RequestContext | None) -> Any:
    if ctx is None:
        raise ValueError("no request context")
    return ctx.data


def _years(ctx: RequestContext | None) -> list[int]:
    return [int(y) for y in _data(ctx).years()]


def _codes(levels: Sequence[str]) -> Callable[[RequestContext | None], frozenset[str]]:
    def codes(ctx: RequestContext | None) -> frozenset[str]:
        data = _data(ctx)
        return data.cached("limits_codes", tuple(levels), lambda: frozenset(
            str(c) for lv in levels for c in data.territories(lv)["code"]))
    return codes


def _actor_ids(ctx: RequestContext | None) -> frozenset[str]:
    data = _data(ctx)
    return data.cached("limits_actor_ids", (), lambda: frozenset(
        data.registry.read("actors", columns=["id"])["id"].astype(str)))


def _network_territories(ctx: RequestContext | None) -> frozenset[str]:
    data = _data(ctx)
    return data.cached("limits_network_territories", (), lambda: frozenset(
        f"{lv}:{c}" for lv in ("departement", "epci") for c in data.territories(lv)["code"]))


year = one_of(_years, "a year of the registry")
lang = optional(one_of(LANGS_OFFERED, "a language"))


def _node_data(what: str) -> Rule:
    return optional(mapping(None, what))


def _scenario(ctx: RequestContext | None, v: Any) -> bool:
    """A what-if scenario as the page builds it: relays at communes of the registry,
    of a front-line category, with an optional capacity and tie; ties between actors
    of the registry, of a kind the page offers."""
    s = get_settings()
    if not isinstance(v, dict) or not set(v) <= {"relays", "ties"}:
        return False
    relays, ties = v.get("relays", []), v.get("ties", [])
    if not isinstance(relays, list) or not isinstance(ties, list):
        return False
    if len(relays) + len(ties) > s.dashboard_scenario_max_items:
        return False
    communes = _codes(("commune",))(ctx)
    actors = _actor_ids(ctx)
    cats = set(s.unserved_categories) | {s.relay_category}
    for r in relays:
        if not isinstance(r, dict) or not set(r) <= {"commune", "category", "capacity",
                                                      "tied_to"}:
            return False
        if r.get("commune") not in communes or r.get("category") not in cats:
            return False
        cap = r.get("capacity")
        if cap is not None and not (_is_number(cap) and 0 < cap <= 1_000_000):
            return False
        tied = r.get("tied_to", [])
        if not isinstance(tied, list) or len(tied) > 1 or any(a not in actors for a in tied):
            return False
    for t in ties:
        if not isinstance(t, dict) or set(t) != {"source", "target", "kind"}:
            return False
        if t["source"] not in actors or t["target"] not in actors or \
                t["kind"] not in RELATION_KINDS:
            return False
    return True


def _act_distance(v: Any, ctx: RequestContext | None) -> bool:
    from .pages import activation

    if v is None:
        return True
    if ctx is not None and not ctx.staff:  # the public plan has one distance
        return _is_number(v) and v == activation.public_distance_km()
    low, high = get_settings().dashboard_distance_range_km
    return _is_number(v) and low <= v <= high


def _import_year(v: Any, ctx: RequestContext | None) -> bool:
    return v is None or v == "" or (_is_number(v) and 1900 <= v <= 2100)


def _capacity(v: Any, ctx: RequestContext | None) -> bool:
    return v is None or v == "" or (_is_number(v) and 0 < v <= 1_000_000)


def _upload(v: Any, ctx: RequestContext | None) -> bool:
    limit = get_settings().dashboard_upload_max_mb * 1024 * 1024 * 4 / 3 + 1024
    return v is None or (isinstance(v, str) and v.startswith("data:") and len(v) <= limit)


@lru_cache(maxsize=1)
def rules() -> dict[tuple[str, str], Rule]:
    """The allowed values of every callback input and state, by (component id,
    property); pattern-matching ids by their ``type``."""
    import maps
    from ecosystem import catalogue

    from .pages import activation, data, network, overview, report, territories, unserved
    from .pages import map as map_page

    cats = tuple(CATEGORIES)
    s = get_settings()
    r: dict[tuple[str, str], Rule] = {
        # shell
        ("lang-toggle", "n_clicks"): clicks,
        ("lang", "data"): lang,
        ("url", "pathname"): optional(text(2048, "a path")),
        ("role", "data"): optional(mapping(None, "the role store", max_keys=3)),
        # Vue d'ensemble
        ("ov-level", "value"): one_of(overview.LEVELS, "a level"),
        ("ov-year", "value"): year,
        ("ov-compare", "value"): optional(year),
        ("ov-territory", "value"): optional(one_of(_codes(overview.LEVELS),
                                                   "a territory code of the registry")),
        # Carte
        ("map-year", "value"): year,
        ("map-kind", "value"): one_of(maps.KINDS, "a map kind"),
        ("map-indicator", "value"): one_of(tuple(catalogue.names()), "an indicator"),
        ("map-level", "value"): one_of(maps.LEVELS, "a level"),
        ("map-scheme", "value"): one_of(maps.SCHEMES, "a classification scheme"),
        ("map-classes", "value"): integer(*map_page.CLASSES_RANGE, "a number of classes"),
        ("map-distance", "value"): steps(
            *map_page.DISTANCE_RANGE_KM, map_page.DISTANCE_STEP_KM, "the distance d (km)",
            extra=lambda: (get_settings().unserved_distance_km,)),
        ("map-categories", "value"): optional(subset(cats, "actor categories")),
        ("map-public", "value"): optional(subset(("public",), "the public box")),
        ("map-lang", "data"): lang,
        # Réseau
        ("network-year", "value"): year,
        ("network-colour", "value"): one_of(("category", "community", "component"),
                                            "a colouring"),
        ("network-layout", "value"): one_of(("geographic", "force"), "a layout"),
        ("network-recommended", "value"): optional(subset(("show",), "the box")),
        ("network-top", "value"): one_of(network.TOP_CHOICES, "a number of ties"),
        ("network-territory", "value"): optional(one_of(_network_territories,
                                                        "a territory of the list")),
        ("network-categories", "value"): optional(subset(cats, "actor categories")),
        ("network-lang", "data"): lang,
        ("network-graph", "mouseoverNodeData"): _node_data("a node"),
        ("network-graph", "tapNodeData"): _node_data("a node"),
        # PME non accompagnées (staff)
        ("unserved-year", "value"): year,
        ("unserved-distance", "value"): optional(number(
            unserved.DISTANCE_MIN_KM, unserved.DISTANCE_MAX_KM, "the distance d (km)")),
        ("unserved-categories", "value"): optional(subset(cats, "actor categories")),
        ("unserved-exporting", "value"): optional(subset(("yes",), "the box")),
        ("unserved-dep", "value"): optional(one_of(_codes(("departement",)),
                                                   "a département code")),
        ("unserved-table", "page_current"): optional(integer(0, 10**6, "a page")),
        ("unserved-table", "sort_by"): _sort_by(unserved.COLUMNS, "the sort"),
        ("unserved-csv", "n_clicks"): clicks,
        ("unserved-xlsx", "n_clicks"): clicks,
        ("unserved-lang", "data"): lang,
        # Activation résiliaire
        ("act-year", "value"): year,
        ("act-top", "value"): one_of(activation.TOP_CHOICES, "a number of ties"),
        ("act-sites", "value"): one_of(activation.SITE_CHOICES, "a number of sites"),
        ("act-distance", "value"): Rule(
            "the distance d (km): the page's value for the public view, a number within "
            "settings.dashboard_distance_range_km for staff", _act_distance),
        ("act-groups-dep", "value"): optional(one_of(_codes(("departement",)),
                                                     "a département code")),
        ("act-lang", "data"): lang,
        ("act-ties-table", "data"): optional(records("the ties table")),
        ("act-ties-table", "selected_rows"): _selected_rows("the ticked tie"),
        ("act-relays-table", "data"): optional(records("the sites table")),
        ("act-relays-table", "selected_rows"): _selected_rows("the ticked site"),
        ("act-groups-table", "data"): optional(records("the groups table")),
        ("act-groups-table", "selected_rows"): _selected_rows("the ticked group"),
        ("act-wi-add-relay", "n_clicks"): clicks,
        ("act-wi-add-tie", "n_clicks"): clicks,
        ("act-add-site", "n_clicks"): clicks,
        ("act-add-rec-tie", "n_clicks"): clicks,
        ("act-wi-remove", "n_clicks"): clicks,
        ("act-wi-clear", "n_clicks"): clicks,
        ("act-wi-run", "n_clicks"): clicks,
        ("act-scenario", "data"): Rule(
            "a scenario of at most settings.dashboard_scenario_max_items relays (communes "
            "of the registry, front-line categories) and ties (actors of the registry)",
            lambda v, ctx: v is None or _scenario(ctx, v)),
        ("act-wi-commune", "value"): optional(one_of(_codes(("commune",)),
                                                     "a commune code of the registry")),
        ("act-wi-code", "value"): optional(text(5, "an INSEE code", r"[0-9A-Za-z]*")),
        ("act-wi-category", "value"): optional(one_of(
            tuple(s.unserved_categories) + (s.relay_category,), "a front-line category")),
        ("act-wi-capacity", "value"): Rule("a capacity: a positive number", _capacity),
        ("act-wi-tied", "value"): optional(one_of(_actor_ids, "an actor of the registry")),
        ("act-wi-source", "value"): optional(one_of(_actor_ids, "an actor of the registry")),
        ("act-wi-target", "value"): optional(one_of(_actor_ids, "an actor of the registry")),
        ("act-wi-kind", "value"): optional(one_of(activation.TIE_KINDS, "a kind of tie")),
        ("act-wi-level", "value"): one_of(activation.WHAT_IF_LEVELS, "a level"),
        ("act-wi-only", "value"): optional(subset(("only",), "the box")),
        # Territoires
        ("tr-level", "value"): one_of(overview.LEVELS, "a level"),
        ("tr-year", "value"): year,
        ("tr-compare", "value"): optional(year),
        ("tr-indicator", "value"): one_of(territories.MAP_INDICATORS, "an indicator"),
        ("tr-table", "sort_by"): _sort_by(territories.TABLE_COLUMNS, "the sort"),
        ("tr-table", "page_current"): optional(integer(0, 10**6, "a page")),
        ("tr-download-btn", "n_clicks"): clicks,
        # Rapport
        ("report-level", "value"): one_of(report.LEVELS, "a level"),
        ("report-territory", "value"): optional(one_of(_codes(report.LEVELS),
                                                       "a territory code of the registry")),
        ("report-year", "value"): year,
        ("report-compare-year", "value"): optional(year),
        ("report-lang", "value"): one_of(LANGS_OFFERED, "a language"),
        ("report-generate", "n_clicks"): clicks,
        ("report-poll", "n_intervals"): clicks,
        ("report-job", "data"): optional(mapping(
            {"key": text(20, "a report's key", r"[0-9a-f]{20}")}, "the report asked")),
        # Données
        ("data-upload-config", "data"): optional(mapping(None, "the upload settings")),
        ("data-import-year", "value"): Rule("a year from 1900 to 2100", _import_year),
        ("data-lang", "data"): lang,
        ("data-export-button", "n_clicks"): clicks,
        ("data-export-layer", "value"): one_of(data.PUBLIC_LAYERS + data.STAFF_LAYERS,
                                               "a layer"),
        ("data-export-format", "value"): one_of(data.FORMATS, "a format"),
        ("data-export-year", "value"): optional(year),
    }
    for kind in data.KINDS:
        r[(f"data-upload-{kind}", "contents")] = Rule(
            "an uploaded file (a data URL within settings.dashboard_upload_max_mb)", _upload)
        r[(f"data-upload-{kind}", "filename")] = optional(text(255, "a file name"))
    return r


# ---------------------------------------------------------------------------
# the request check
# ---------------------------------------------------------------------------

class RefusedRequestError(ValueError):
    """A callback request that the dashboard does not answer (HTTP 400)."""


def _pattern_type(declared: str) -> str | None:
    """The ``type`` of a pattern-matching id as Dash stores it (JSON), else None."""
    if not declared.startswith("{"):
        return None
    try:
        return str(json.loads(declared).get("type"))
    except (ValueError, AttributeError):
        return None


def _items(sent: Any, declared: Sequence[Mapping[str, Any]], where: str
           ) -> list[tuple[str, str, Any]]:
    """(id, property, value) of every input or state sent, once checked against the
    callback's declaration."""
    if sent is None:
        sent = []
    if not isinstance(sent, list) or len(sent) != len(declared):
        raise RefusedRequestError(f"{where}: expected {len(declared)} item(s) as the "
                                  "callback declares")
    out = []
    for item, dec in zip(sent, declared, strict=True):
        did, prop = str(dec["id"]), str(dec["property"])
        ptype = _pattern_type(did)
        if ptype is not None:  # pattern-matching: a list of {id: {type, ...}, ...}
            if not isinstance(item, list) or len(item) > _MAX_ROWS:
                raise RefusedRequestError(f"{where}: expected the list of {ptype} components")
            for sub in item:
                if not (isinstance(sub, dict) and isinstance(sub.get("id"), dict)
                        and sub["id"].get("type") == ptype and sub.get("property") == prop
                        and len(sub["id"]) <= 5
                        and all(_is_scalar(x) for x in sub["id"].values())):
                    raise RefusedRequestError(f"{where}: expected {ptype}.{prop}")
                out.append((ptype, prop, sub.get("value")))
            continue
        if not (isinstance(item, dict) and item.get("id") == did
                and item.get("property") == prop):
            raise RefusedRequestError(f"{where}: expected {did}.{prop} at this position")
        out.append((did, prop, item.get("value")))
    return out


def _declared_outputs(output: str) -> list[tuple[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        cid, _, prop = part.rpartition(".")
        out.append((cid, prop))
    return out


def _check_outputs(sent: Any, output: str) -> None:
    declared = _declared_outputs(output)
    items = sent if isinstance(sent, list) else [sent]
    if sent is None or len(items) != len(declared):
        raise RefusedRequestError("outputs: expected the callback's outputs")
    for item, (cid, prop) in zip(items, declared, strict=True):
        if not isinstance(item, dict) or item.get("property") != prop:
            raise RefusedRequestError(f"outputs: expected {cid}.{prop}")
        got = item.get("id")
        ptype = _pattern_type(cid)
        if not (got == cid or (ptype is not None and isinstance(got, dict)
                               and got.get("type") == ptype)):
            raise RefusedRequestError(f"outputs: expected {cid}.{prop}")


def check_callback(payload: Any, callback_map: Mapping[str, Any],
                   ctx: RequestContext) -> None:
    """Check a callback request body against the callbacks and :func:`rules`.

    Raises
    ------
    RefusedRequestError
        Saying what was wrong and what is expected.
    """
    if not isinstance(payload, dict):
        raise RefusedRequestError("expected a JSON object")
    output = payload.get("output")
    if not isinstance(output, str) or output not in callback_map:
        raise RefusedRequestError("unknown callback output")
    cb = callback_map[output]
    if "callback" not in cb:
        raise RefusedRequestError("this callback runs in the browser")
    _check_outputs(payload.get("outputs"), output)
    changed = payload.get("changedPropIds", [])
    if not isinstance(changed, list) or len(changed) > 50 or not all(
            isinstance(c, str) and len(c) <= 500 for c in changed):
        raise RefusedRequestError("changedPropIds: expected a short list of ids")
    values = _items(payload.get("inputs"), cb.get("inputs", []), "inputs") + \
        _items(payload.get("state"), cb.get("state", []), "state")
    table = rules()
    for cid, prop, value in values:
        rule = table.get((cid, prop))
        if rule is None:
            raise RefusedRequestError(f"{cid}.{prop}: no allowed values are declared for it")
        problem = rule.check(value, ctx)
        if problem is not None:
            shown = json.dumps(value, ensure_ascii=False, default=str)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise RefusedRequestError(f"{cid}.{prop}: got {shown}; expected {problem}")


def install(app: Any, data: Any) -> None:
    """Check every callback request of ``app`` before it runs (HTTP 400 when it asks
    what no page offers), and answer :class:`dashboard.slots.BusyError` with HTTP 503."""
    server = app.server

    @server.before_request
    def _check_callback_request() -> Response | None:
        if request.method != "POST" or not request.path.endswith("/_dash-update-component"):
            return None
        if request.mimetype != "application/json":
            return _refuse("expected Content-Type: application/json", 400)
        try:
            payload = json.loads(request.get_data(cache=True) or b"null")
        except ValueError:
            return _refuse("the body is not JSON", 400)
        try:
            check_callback(payload, app.callback_map,
                           RequestContext(data=data, staff=auth.is_staff()))
        except RefusedRequestError as exc:
            return _refuse(str(exc), 400)
        return None

    @server.errorhandler(BusyError)
    def _busy(exc: BusyError) -> Response:
        resp = _refuse(str(exc), 503)
        resp.headers["Retry-After"] = "10"
        return resp


def _refuse(message: str, status: int) -> Response:
    return Response(json.dumps({"error": f"request refused: {message}"}, ensure_ascii=False),
                    status=status, mimetype="application/json")

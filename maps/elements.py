"""Offline, escape-safe building blocks of the maps.

Folium's own ``Popup`` inserts its HTML in a JavaScript template literal through
jQuery, and ``Map`` loads Leaflet from CDNs: neither is safe with data nor usable
offline. The maps therefore use folium only for the map, its feature groups and the
layer control, and draw every data layer with the elements of this module:

- data goes into the page as JSON with ``<``, ``>`` and ``&`` written as ``\\u003c``,
  ``\\u003e`` and ``\\u0026``, so no text can close the ``<script>`` element;
- popup text is HTML-escaped in Python (:func:`esc`) or set with ``textContent``;
- Leaflet and Leaflet.markercluster are inlined from ``maps/static``.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from functools import cache
from importlib import resources
from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

__all__ = [
    "esc",
    "safe_json",
    "OfflineAssets",
    "DataLayer",
    "ClusterLayer",
    "add_html_box",
    "check_offline",
]

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def esc(value: Any) -> str:
    """HTML-escape any value (``None`` and NaN give an empty string).

    Examples
    --------
    >>> esc("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        import pandas as pd

        if value is pd.NA:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return html.escape(str(value), quote=True)


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return None if not math.isfinite(obj) else obj
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def safe_json(obj: Any) -> str:
    """JSON that can sit inside a ``<script>`` element whatever the strings hold.

    Examples
    --------
    >>> safe_json({"name": "</script><b>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(_clean(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def colour(value: str) -> str:
    """Check a colour is a plain ``#rrggbb`` code (it is written into style attributes)."""
    if not _HEX_COLOUR.match(value):
        raise ValueError(f"colour {value!r} is not a #rrggbb code")
    return value


@cache
def _static(name: str) -> str:
    text = resources.files("maps").joinpath("static", name).read_text(encoding="utf-8")
    return re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)


@cache
def _image_uri(name: str) -> str:
    data = resources.files("maps").joinpath("static", "images", name).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _leaflet_css() -> str:
    css = _static("leaflet.css")
    return re.sub(r"url\(images/([\w.-]+\.png)\)", lambda m: f"url({_image_uri(m[1])})", css)


_CSS = """
html, body {width: 100%; height: 100%; margin: 0; padding: 0;}
.leaflet-container {background: BACKGROUND; font-family: system-ui, sans-serif;}
.maps-actor {display: flex; align-items: center; justify-content: center; color: #fff;
  font: bold 8px/1 system-ui, sans-serif; border: 1.5px solid #fff; border-radius: 50%;
  box-shadow: 0 0 2px rgba(0,0,0,.6); box-sizing: border-box; width: 100%; height: 100%;}
.maps-dot {border-radius: 50%; border: 1px solid #fff; box-sizing: border-box;
  width: 100%; height: 100%;}
.maps-icon {background: none; border: none;}
.maps-box {position: absolute; z-index: 1000; background: rgba(255,255,255,.93);
  padding: 6px 10px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.35);
  font: 12px/1.35 system-ui, sans-serif; color: #222;}
.maps-title {top: 10px; left: 55px; max-width: 45%;}
.maps-title h1 {font-size: 15px; margin: 0 0 2px 0;}
.maps-synthetic {color: #b71c1c; font-weight: bold;}
.maps-legend {bottom: 48px; left: 10px; max-height: 45%; overflow-y: auto; min-width: 160px;}
.maps-legend h2 {font-size: 12px; margin: 6px 0 2px 0;}
.maps-legend .row {display: flex; align-items: center; gap: 6px; white-space: nowrap;}
.maps-swatch {display: inline-block; width: 14px; height: 12px; border: 1px solid #777;
  flex: none;}
.maps-swatch.round {border-radius: 50%;}
.maps-swatch.line {height: 0; border: none; border-top: 3px solid; width: 18px;}
.maps-swatch.dashed {border-top-style: dashed;}
.maps-popup b {font-size: 13px;}
"""


class OfflineAssets(Element):
    """Leaflet (and optionally Leaflet.markercluster) inlined in the page head."""

    def __init__(self, cluster: bool = False, background: str = "#ffffff") -> None:
        parts = [f"<style>{_leaflet_css()}</style>"]
        if cluster:
            parts.append(f"<style>{_static('MarkerCluster.css')}"
                         f"{_static('MarkerCluster.Default.css')}</style>")
        parts.append(f"<style>{_CSS.replace('BACKGROUND', colour(background))}</style>")
        parts.append(f"<script>{_static('leaflet.js')}</script>")
        if cluster:
            parts.append(f"<script>{_static('leaflet.markercluster.js')}</script>")
        super().__init__("\n".join(parts))
        self._name = "OfflineAssets"


class DataLayer(MacroElement):
    """A GeoJSON layer added to its parent (a ``folium.FeatureGroup``).

    Each feature's properties hold ``s`` (index into ``styles``) and optionally ``p``
    (popup HTML, already escaped). A style with ``icon`` draws points as a
    ``divIcon`` (the icon HTML is made by this package, never from data); other points
    are circle markers.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var d = {{ this.payload }};
  L.geoJSON(d.fc, {
    interactive: d.interactive,
    style: function (f) { return d.styles[f.properties.s]; },
    pointToLayer: function (f, ll) {
      var st = d.styles[f.properties.s];
      if (st.icon) {
        return L.marker(ll, {icon: L.divIcon({html: st.icon, className: 'maps-icon',
          iconSize: [st.size, st.size]}), riseOnHover: true});
      }
      return L.circleMarker(ll, st);
    },
    onEachFeature: function (f, l) {
      if (f.properties.p) { l.bindPopup(f.properties.p, {maxWidth: 340}); }
    }
  }).addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    def __init__(self, features: list[dict[str, Any]], styles: list[dict[str, Any]],
                 interactive: bool = True) -> None:
        super().__init__()
        self._name = "DataLayer"
        self.payload = safe_json({"fc": {"type": "FeatureCollection", "features": features},
                                  "styles": styles, "interactive": interactive})


class ClusterLayer(MacroElement):
    """Clustered point markers from a compact array, popups built with ``textContent``.

    ``points`` rows are ``[lat, lon, kind index, title, line 1, line 2, ...]``; ``kinds``
    are ``{"colour": "#rrggbb", "label": str}``. An empty title shows ``hidden_title``.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
  var d = {{ this.payload }};
  var group = L.markerClusterGroup({chunkedLoading: true, maxClusterRadius: 45,
    showCoverageOnHover: false});
  var icons = d.kinds.map(function (k) {
    var el = document.createElement('div');
    el.className = 'maps-dot';
    el.style.background = k.colour;
    return L.divIcon({html: el.outerHTML, className: 'maps-icon', iconSize: [10, 10]});
  });
  function content(p) {
    var box = document.createElement('div');
    box.className = 'maps-popup';
    var b = document.createElement('b');
    b.textContent = p[3] || d.hidden_title;
    box.appendChild(b);
    var lines = [d.kinds[p[2]].label].concat(p.slice(4));
    lines.forEach(function (t) {
      if (t === null || t === '') { return; }
      box.appendChild(document.createElement('br'));
      box.appendChild(document.createTextNode(t));
    });
    return box;
  }
  var markers = d.points.map(function (p) {
    var m = L.marker([p[0], p[1]], {icon: icons[p[2]]});
    m.bindPopup(function () { return content(p); });
    return m;
  });
  group.addLayers(markers);
  group.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    def __init__(self, points: list[list[Any]], kinds: list[dict[str, str]],
                 hidden_title: str) -> None:
        super().__init__()
        self._name = "ClusterLayer"
        for k in kinds:
            colour(k["colour"])
        self.payload = safe_json({"points": points, "kinds": kinds,
                                  "hidden_title": hidden_title})


def add_html_box(m: folium.Map, inner_html: str, css_class: str) -> None:
    """Add a fixed box (title, legend) over the map; ``inner_html`` must be escaped."""
    m.get_root().html.add_child(Element(f'<div class="maps-box {css_class}">{inner_html}</div>'))


_EXTERNAL = re.compile(r"<(?:script|link|img|iframe)[^>]+(?:src|href)\s*=\s*[\"']?(?:https?:)?//",
                       re.IGNORECASE)


def check_offline(page: str) -> None:
    """Raise when the page would load anything from the network."""
    hit = _EXTERNAL.search(page)
    if hit:
        raise RuntimeError(f"the map page references a remote resource: {hit[0][:120]!r}")

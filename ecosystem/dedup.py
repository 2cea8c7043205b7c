"""Which actors of an import are the same actor: same category, similar names, close points.
"""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher

import geopandas as gpd
import numpy as np

from .projection import distance_xy
from .settings import get_settings

__all__ = ["normalise_name", "similar_actors"]


def normalise_name(name: str) -> str:
    """Lower-case, accent-free, punctuation-free name used to compare actors.

    Examples
    --------
    >>> normalise_name("CCI  Hérault - Délégation de Sète")
    'cci herault delegation de sete'
    """
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = "".join(c if c.isalnum() else " " for c in s)
    return " ".join(s.split())


def similar_actors(new: gpd.GeoDataFrame, old: gpd.GeoDataFrame) -> list[tuple[int, int]]:
    """Pairs (position in ``new``, position in ``old``) that are the same actor.

    Same category, names at least ``settings.dedup_name_similarity`` alike, and
    points within ``settings.dedup_actor_distance_m``; pairs with the same id are not
    returned (they are updates, not duplicates).
    """
    st = get_settings()
    pairs: list[tuple[int, int]] = []
    if len(new) == 0 or len(old) == 0:
        return pairs
    from scipy.spatial import cKDTree

    # distance coordinates: Lambert-93, or the local CRS overseas (ecosystem.projection)
    tree = cKDTree(distance_xy(np.column_stack([old.geometry.x, old.geometry.y])))
    near = tree.query_ball_point(
        distance_xy(np.column_stack([new.geometry.x, new.geometry.y])),
        r=st.dedup_actor_distance_m)
    new_names = [normalise_name(n) for n in new["name"]]
    old_names = [normalise_name(n) for n in old["name"]]
    for i, cands in enumerate(near):
        best, best_ratio = None, st.dedup_name_similarity
        for j in sorted(cands):
            if new["category"].iat[i] != old["category"].iat[j]:
                continue
            if new["id"].iat[i] == old["id"].iat[j]:
                best = None
                break
            r = SequenceMatcher(None, new_names[i], old_names[j]).ratio()
            if r >= best_ratio:
                best, best_ratio = j, r
        if best is not None:
            pairs.append((i, best))
    return pairs

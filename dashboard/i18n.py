"""Labels of the dashboard in French (default) and English.

The texts shared by every page live in :data:`COMMON`; each page keeps its own
texts in a dict of the same shape and builds its translator with
:func:`translator`. Labels of categories, stages, postures and indicators come
from the core (:mod:`ecosystem.settings`, :mod:`ecosystem.catalogue`), never
copied here.

Examples
--------
>>> t = translator({"hello": ("Bonjour", "Hello")})
>>> t("hello", "fr"), t("hello", "en"), t("nav_overview", "en")
('Bonjour', 'Hello', 'Overview')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ecosystem import catalogue
from ecosystem.settings import CATEGORIES

__all__ = ["LANGS", "COMMON", "translator", "t", "category_label", "indicator_label",
           "LEVEL_LABELS"]

#: Languages of the interface; the first is the default.
LANGS: tuple[str, ...] = ("fr", "en")

Texts = Mapping[str, tuple[str, str]]

COMMON: dict[str, tuple[str, str]] = {
    "app_title": ("Milieu internationalisant", "Internationalising milieu"),
    "app_subtitle": ("Écosystème d'accompagnement à l'export", "Export-support ecosystem"),
    "nav_overview": ("Vue d'ensemble", "Overview"),
    "nav_map": ("Carte", "Map"),
    "nav_network": ("Réseau", "Network"),
    "nav_unserved": ("PME non accompagnées", "Unserved SMEs"),
    "nav_activation": ("Activation résiliaire", "Network activation"),
    "nav_territories": ("Territoires", "Territories"),
    "nav_report": ("Rapport", "Report"),
    "nav_data": ("Données", "Data"),
    "synthetic": ("Données synthétiques : les PME et les liens de ce registre sont générés "
                  "(démonstration), les institutions et la géographie sont réelles.",
                  "Synthetic data: the SMEs and ties of this registry are generated "
                  "(demonstration); institutions and geography are real."),
    "sign_in": ("Se connecter", "Sign in"),
    "sign_out": ("Se déconnecter", "Sign out"),
    "role_public": ("Vue publique", "Public view"),
    "role_staff": ("Connecté·e : {user}", "Signed in: {user}"),
    "staff_only": ("Cette page montre des données d'entreprises : elle est réservée au "
                   "personnel connecté.",
                   "This page shows firm-level data: it is for signed-in staff only."),
    "not_found": ("Page introuvable.", "Page not found."),
    "year": ("Année", "Year"),
    "compare_year": ("Année de comparaison", "Comparison year"),
    "none": ("aucune", "none"),
    "level": ("Niveau", "Level"),
    "territory": ("Territoire", "Territory"),
    "category": ("Catégories", "Categories"),
    "download_csv": ("Télécharger (CSV)", "Download (CSV)"),
    "download_xlsx": ("Télécharger (Excel)", "Download (Excel)"),
    "secret_note": ("« s » : secret statistique (moins de 3 entreprises ou une entreprise "
                    "au-delà de 85 % du total).",
                    "“s”: confidential (fewer than 3 firms, or one firm over 85 % of the "
                    "total)."),
    "error": ("Erreur", "Error"),
    "language": ("English", "Français"),
}

#: Territory levels as users name them.
LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "commune": ("Commune", "Municipality"),
    "epci": ("EPCI (intercommunalité)", "EPCI (inter-municipality)"),
    "departement": ("Département", "Département"),
    "region": ("Région", "Region"),
}


def _index(lang: str) -> int:
    return 1 if lang == "en" else 0


def translator(texts: Texts) -> Callable[..., str]:
    """A function ``t(key, lang, **fields)`` looking ``key`` up in ``texts`` then
    in :data:`COMMON`; ``fields`` fill ``{placeholders}``. An unknown key raises
    ``KeyError`` (a missing label is a bug, not something to show)."""

    def tr(key: str, lang: str = "fr", **fields: object) -> str:
        pair = texts.get(key) or COMMON[key]
        text = pair[_index(lang)]
        return text.format(**fields) if fields else text

    return tr


#: Translator of the common texts.
t = translator({})


def category_label(code: str, lang: str = "fr") -> str:
    """The label of an actor category (the code itself when unknown).

    Examples
    --------
    >>> category_label("cci")
    'CCI (service international)'
    """
    cat = CATEGORIES.get(code)
    if cat is None:
        return code
    return cat.label_en if lang == "en" else cat.label_fr


def indicator_label(name: str, lang: str = "fr") -> str:
    """The catalogue label of an indicator (its name when not in the catalogue)."""
    try:
        ind = catalogue.get(name)
    except KeyError:
        return name
    return ind.label_en if lang == "en" else ind.label_fr

"""The Dash dashboard of the milieu internationalisant (uses the core, the maps and
the report).

``ecosystem serve`` runs it; :func:`create_app` builds it for a registry. Pages:
Vue d'ensemble, Carte, Réseau, PME non accompagnées (staff), Activation
résiliaire, Territoires, Rapport, Données. See ``docs/dashboard.md``.
"""

from .app import create_app

__all__ = ["create_app"]

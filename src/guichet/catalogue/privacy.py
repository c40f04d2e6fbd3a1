"""The catalogue holds no personal data: it describes services, not people."""

from __future__ import annotations

from guichet.core.registry import NotPersonal, registry

registry.exempt(
    NotPersonal(
        model="catalogue.Category",
        fields=("name",),
        reason="the name of a life situation (e.g. 'Moving'), written by the operator",
    ),
    NotPersonal(
        model="catalogue.Service",
        fields=(),
        reason="public descriptions of an authority's services; no field refers to a person",
    ),
    NotPersonal(
        model="catalogue.SearchEntry",
        fields=(),
        reason="search text derived from the public service descriptions",
    ),
)

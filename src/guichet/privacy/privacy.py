"""The privacy app's entries in the registry (P01): its records about persons are declared in
one module per part, imported here so that ``autodiscover_modules("privacy")`` finds them."""

from guichet.privacy import registry_lifecycle, registry_requests  # noqa: F401

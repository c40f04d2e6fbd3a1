from __future__ import annotations

import pytest

from guichet.eforms.definition import FormDefinition, demo_definition_paths, load_definition_file


@pytest.fixture(scope="session")
def demos() -> dict[str, FormDefinition]:
    return {path.stem: load_definition_file(path) for path in demo_definition_paths()}

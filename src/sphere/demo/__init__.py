"""The demo scenario: a fictional German lens maker and its customers' channel data.

Only generates files and a manifest; ingesting them is the pipeline's job (``sphere demo``).
"""

from sphere.demo.manifest import ConsentSeed, FileEntry, ScenarioManifest
from sphere.demo.scenario import DEFAULT_SEED, ScenarioSize, generate_scenario

__all__ = [
    "DEFAULT_SEED",
    "ConsentSeed",
    "FileEntry",
    "ScenarioManifest",
    "ScenarioSize",
    "generate_scenario",
]

"""One botocore data loader per process, shared by every session sesl makes.

Each botocore session builds its own Loader, which reads and parses the service models' JSON again: the
offline request check (`sesl.model_check`), every environment's boto3 session and the sandbox's response
shaping would each parse Glue's, S3's and IAM's models once more, about a second of CPU per CLI run. The
models are read-only data, so one parsed copy serves them all; Loader caches what it loaded
(`botocore.loaders.instance_cache`).
"""

from __future__ import annotations

import os
import threading

import boto3
import boto3.session
import botocore.loaders
import botocore.session

_LOADERS: dict[str | None, botocore.loaders.Loader] = {}
_LOCK = threading.Lock()
# boto3 adds its own resource models to its session's loader (boto3.session.Session._setup_loader).
_BOTO3_DATA = os.path.join(os.path.dirname(boto3.__file__), "data")


def shared_loader(data_path: str | None = None) -> botocore.loaders.Loader:
    """The process's Loader for this data path (AWS_DATA_PATH / the `data_path` config variable)."""
    with _LOCK:
        if data_path not in _LOADERS:
            _LOADERS[data_path] = botocore.loaders.create_loader(data_path)
        return _LOADERS[data_path]


def botocore_session(profile: str | None = None) -> botocore.session.Session:
    """A new botocore session (its own credentials and config) reading models through the shared loader.

    Raises botocore's ProfileNotFound for a profile the config files do not define, as boto3 does.
    """
    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", shared_loader(session.get_config_variable("data_path")))
    return session


def boto3_session(profile_name: str | None = None, region_name: str | None = None) -> boto3.session.Session:
    """A boto3 session as `boto3.session.Session(profile_name=..., region_name=...)` makes, on the shared loader."""
    core = botocore_session(profile_name)
    made = boto3.session.Session(botocore_session=core, profile_name=profile_name, region_name=region_name)
    paths = core.get_component("data_loader").search_paths
    with _LOCK:  # boto3 appends its data directory to the loader on every session: keep one
        while paths.count(_BOTO3_DATA) > 1:
            paths.remove(_BOTO3_DATA)
    return made

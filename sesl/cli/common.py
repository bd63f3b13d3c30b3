"""What every command that reads an environment does first: find and load the config, refuse
changes to prod on the built-in defaults, check the endpoint and credentials, check the inputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import click

from sesl.cli.globals import Globals
from sesl.context import AwsContext
from sesl.errors import ConfigError, SeslError
from sesl.resources import REGISTRY
from sesl.resources.base import Env
from sesl.spec import CONFIG_VARIABLE, DEFAULT_CONFIG, ENVIRONMENTS, ConfigSource, EnvSpec, find_config, load_spec

# Not a click.Choice: any env the config defines is valid, which only the config can say (spec.check_env).
env_option = click.option("--env", "env_name", required=True, metavar="ENV",
                          help=f"Environment to act on: {' or '.join(ENVIRONMENTS)}, or one the config defines.")
target_option = click.option("--target", "targets", multiple=True, metavar="KIND[.NAME]",
                             help="Limit to a kind or one resource (repeatable).")


def config_source(g: Globals) -> ConfigSource:
    if g.source is None:
        g.source = find_config(g.config, g.no_config)
    return g.source


def load(g: Globals, env_name: str) -> EnvSpec:
    return load_spec(env_name, config_source(g).path)


def check_streams(spec: EnvSpec, chosen: Sequence[str]) -> None:
    """Every --stream must be one of the env's streams (`[[env.<name>.streams]]`, newsletter and transactional
    by default)."""
    unknown = [s for s in chosen if s not in spec.flows]
    if unknown:
        raise SeslError(f"--stream {unknown[0]!r}: env {spec.env} has no such stream (its streams: "
                         f"{', '.join(spec.flows)}); pick one of those or add it under [[env.{spec.env}.streams]]")


def refuse_defaults_for_prod(g: Globals, spec: EnvSpec, command: str) -> None:
    """prod's settings live in the config: changing prod without one would revert them to the defaults."""
    source = config_source(g)
    if not spec.is_prod or source.path is not None or source.defaults_intended:
        return
    raise ConfigError(
        f"no config file found for env {spec.env} (no --config, no ${CONFIG_VARIABLE}, no {DEFAULT_CONFIG} in "
        f"{source.searched_from} or above): `sesl {command}` would use the built-in defaults; pass --config "
        "PATH, or --no-config if the defaults are intended")


def open_context(g: Globals, env_name: str, command: str, *, changes: bool = False) -> AwsContext:
    """The env's context after the checks every run needs: a valid config (and one at all when it
    changes prod), a reachable endpoint and working credentials."""
    spec = load(g, env_name)
    if changes:
        refuse_defaults_for_prod(g, spec, command)
    ctx = AwsContext(spec, profile=g.profile, region=g.region)
    ctx.preflight()
    return ctx


def check_targets(ctx: AwsContext, targets: tuple[str, ...]) -> None:
    """Every --target must name a kind, or a resource of the env: a typo is not "in sync"."""
    if not targets:
        return
    env = Env(ctx.spec, ctx.names)
    names = {kind.kind: [want.name for want in kind.desired(env)] for kind in REGISTRY}
    for target in targets:
        kind, _, name = target.partition(".")
        if kind not in names:
            raise SeslError(f"--target {target}: no kind {kind!r}; the kinds are {', '.join(sorted(names))}")
        if name and name not in names[kind]:
            raise SeslError(f"--target {target}: env {ctx.spec.env} has no {kind} named {name!r}; its "
                            f"{kind} names are {', '.join(names[kind])}")


def exclusive(flags: Mapping[str, object], why: str = "") -> None:
    """Refuse flags that exclude each other instead of letting one silently win."""
    given = [name for name, value in flags.items() if value]
    if len(given) > 1:
        raise SeslError(f"{' and '.join(given)} exclude each other: pass one" + (f" ({why})" if why else ""))

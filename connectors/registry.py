"""Finding connectors: the entry-point group `byline.connectors` (built-ins included)."""

from __future__ import annotations

from importlib.metadata import entry_points

from connectors.base import Connector, HostServices

ENTRY_POINT_GROUP = "byline.connectors"


def discover() -> dict[str, type[Connector]]:
    found: dict[str, type[Connector]] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        connector = entry_point.load()
        if not (isinstance(connector, type) and issubclass(connector, Connector)):
            raise TypeError(f"entry point {entry_point.name!r} is not a Connector subclass")
        if connector.name != entry_point.name:
            raise TypeError(
                f"entry point {entry_point.name!r} loads connector named {connector.name!r}"
            )
        found[connector.name] = connector
    return found


class ConnectorRegistry:
    """The connectors of one process, each instantiated once with the host's services."""

    def __init__(self, classes: dict[str, type[Connector]], host: HostServices) -> None:
        self._classes = dict(classes)
        self._instances = {name: cls(host) for name, cls in self._classes.items()}

    @classmethod
    def from_entry_points(cls, host: HostServices) -> ConnectorRegistry:
        return cls(discover(), host)

    def kinds(self) -> list[str]:
        return sorted(self._classes)

    def get_class(self, kind: str) -> type[Connector] | None:
        return self._classes.get(kind)

    def get(self, kind: str) -> Connector:
        return self._instances[kind]

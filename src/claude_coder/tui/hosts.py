"""Which hosts' catalogs the browser shows besides this machine's.

The hosts are those named by the profiles' ``host`` keys, those given to
``claude-coder fleet --catalog-host H``, and those of the fleet's members at the moment
the browser opens (``MemberInfo.host``). Each is read through a catalog the factory
makes (:class:`claude_coder.transports.remote.catalog.HostCatalog` in the real app).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from claude_coder.profiles import ProfileSet
from claude_coder.security import Redactor
from claude_coder.tui.ports import CatalogPort, MemberPort

__all__ = ["HOST_CALL_TIMEOUT", "CatalogHosts", "host_catalogs"]

HOST_CALL_TIMEOUT = 25.0
"""Seconds one call on a host may take (the browser stops waiting a little later)."""


class CatalogHosts:
    """Fixed hosts plus the members' hosts, each with its catalog (made once, on demand)."""

    def __init__(self, hosts: Iterable[str], make: Callable[[str], CatalogPort]) -> None:
        self._hosts = list(dict.fromkeys(hosts))
        self._make = make
        self._made: dict[str, CatalogPort] = {}

    def __repr__(self) -> str:
        return f"CatalogHosts({self._hosts!r})"

    def names(self, members: Sequence[MemberPort] = ()) -> list[str]:
        """The fixed hosts, then the members' hosts not among them, in order."""
        found = (getattr(m, "host", None) for m in members)
        return list(dict.fromkeys([*self._hosts, *(h for h in found if isinstance(h, str))]))

    def catalogs(self, members: Sequence[MemberPort] = ()) -> dict[str, CatalogPort]:
        """Host -> its catalog, for every host of :meth:`names`."""
        for host in self.names(members):
            if host not in self._made:
                self._made[host] = self._make(host)
        return {host: self._made[host] for host in self.names(members)}


def host_catalogs(pset: ProfileSet, extra: Iterable[str], redactor: Redactor) -> CatalogHosts:
    """The real app's hosts: the profiles' hosts, then ``extra``, each read over ssh
    (with its profile's ``remoteCommand``) and masked with ``redactor`` too."""
    from claude_coder.transports.remote.catalog import HostCatalog, profile_hosts

    commands = profile_hosts(pset)

    def make(host: str) -> CatalogPort:
        return HostCatalog(
            host, redactor=redactor, remote_command=commands.get(host), timeout=HOST_CALL_TIMEOUT
        )

    return CatalogHosts([*commands, *extra], make)

"""The fleet TUI: the app shell, the factory that builds its object graph, and its entry point.

``run_fleet_tui`` opens the fleet (roster, profiles) and the catalog, builds the app
with :func:`make_app` and runs it; the fleet is closed when the app exits. The app is a
thin shell: one worker reads the fleet's merged stream into :class:`EnvelopesArrived`
messages, the view model folds them in, and the screens render the model. Everything
the person asks for goes through :class:`FleetActions`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Input

from claude_coder.errors import ClaudeCoderError
from claude_coder.events import SaveFailed, SessionState
from claude_coder.fleet.landing import changed_files
from claude_coder.fleet.notify import Signal
from claude_coder.security import visible
from claude_coder.tui.actions import FleetActions
from claude_coder.tui.collector import CollectorPacer
from claude_coder.tui.hosts import CatalogHosts, host_catalogs
from claude_coder.tui.keys import ShownKeys
from claude_coder.tui.model import FleetModel, Pending, PendingPermission
from claude_coder.tui.ports import CatalogPort, FleetPort, MemberPort, RedactedCatalog
from claude_coder.tui.pump import EnvelopesArrived, EventBatcher, FleetStreamEnded
from claude_coder.tui.screens.approval import (
    PermissionChoice,
    PermissionDialog,
    QuestionDialog,
    QuestionReply,
    WaitingList,
)
from claude_coder.tui.screens.catalog import CatalogScreen, IntoFleet
from claude_coder.tui.screens.confirm import ConfirmDialog, quit_question
from claude_coder.tui.screens.fleet import FleetScreen, OpenMember
from claude_coder.tui.screens.member import MemberScreen
from claude_coder.tui.screens.new_member import NewMemberDialog, NewMemberRequest
from claude_coder.tui.signals import NeedsBadge

if TYPE_CHECKING:
    from claude_coder.cli.stopping import Stopper

__all__ = ["FleetApp", "make_app", "run_fleet_tui"]

Clock = Callable[[], datetime]

_WORKING = frozenset({SessionState.BUSY, SessionState.STALLED})
"""States in which quitting would cut a member off mid-turn."""


def _local_now() -> datetime:
    return datetime.now().astimezone()


class FleetApp(App[None]):
    """Drive a whole fleet from one screen."""

    TITLE = "claude-coder fleet"
    ENABLE_COMMAND_PALETTE = False
    EVENT_BUFFER = 10_000
    """The app's queue on the merged stream; when it overflows the fleet drops oldest."""
    PACE_GC = True
    """Defer the garbage collector's full collections to quiet moments while the app
    runs (:class:`CollectorPacer`): one would otherwise be felt as a late key press."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit_fleet", "Quit", priority=True),
        Binding("ctrl+y", "answer", "Answer", priority=True),
    ]

    QUIT_TIMEOUT = 20.0
    """Seconds a quit waits for the interrupted turns to reach their boundary."""

    def __init__(
        self,
        fleet: FleetPort,
        catalog: CatalogPort | None,
        profiles: Sequence[str],
        *,
        clock: Clock = _local_now,
        blink: bool = True,
        model: FleetModel | None = None,
        hosts: CatalogHosts | None = None,
    ) -> None:
        super().__init__()
        self.fleet = fleet
        self.catalog = catalog
        self.hosts = hosts
        self.profiles = list(profiles)
        self.clock = clock
        self.blink = blink
        self.model = model or FleetModel()
        self.actions = FleetActions(self, fleet, self.model)
        self.actions.on_change = self.refresh_members
        self.actions.on_added = self._added
        self.fleet_screen = FleetScreen(self.model, self.actions, clock)
        self._batcher = EventBatcher(lambda batch: self.post_message(EnvelopesArrived(batch)))
        self._members: dict[str, MemberPort] = {}
        self._pacer = CollectorPacer()
        self._keys = ShownKeys(self, ("answer",))
        self.needs = NeedsBadge()

    # -- the event worker ----------------------------------------------------------

    async def on_mount(self) -> None:
        await self.push_screen(self.fleet_screen)
        self.theme_changed_signal.subscribe(self, lambda _theme: self.refresh_members())
        self.refresh_members()
        self.run_worker(self._pump(), name="fleet-events", exit_on_error=False)
        if self.PACE_GC:
            self._pacer.start()
            self.set_interval(self._pacer.QUIET, self._pacer.tick)

    def on_unmount(self) -> None:
        self._pacer.stop()

    async def _pump(self) -> None:
        try:
            async for envelope in self.fleet.events(maxsize=self.EVENT_BUFFER):
                self._batcher.add(envelope)
        except ClaudeCoderError as exc:
            self.post_message(FleetStreamEnded(exc.message))
        else:
            self.post_message(FleetStreamEnded())

    async def on_envelopes_arrived(self, message: EnvelopesArrived) -> None:
        self._pacer.activity()
        batch = self._batcher.take(message.envelopes)
        for env in batch:
            if isinstance(env.event, SaveFailed):
                self.notify(env.event.describe(), title="not saved", severity="error")
        result = self.model.ingest(batch)
        with contextlib.suppress(NoMatches):
            self.fleet_screen.event_log.add(result.log)
        if result.structural:
            self.refresh_members()
            self._drop_stale_dialog()
            if any(m.worktree is not None for m in self._members.values()):
                self.run_worker(self._count_files, thread=True, group="files", exclusive=True)
        for screen in self.screen_stack:
            if isinstance(screen, MemberScreen) and screen.member in result.touched:
                with contextlib.suppress(NoMatches):
                    screen.refresh_conversation()
        if result.new_pending:
            self._raise(result.new_pending[0])

    def on_fleet_stream_ended(self, message: FleetStreamEnded) -> None:
        if message.error:
            error = visible(message.error)
            self.notify(error, title="fleet events stopped", severity="error", markup=False)
        self.refresh_members()

    def refresh_members(self) -> None:
        """Re-read the fleet's members into every screen that shows them."""
        members = list(self.fleet.members())
        self._members = {m.name: m for m in members}
        self._keys.refresh()
        # NoMatches: a screen being taken down (the app is exiting) has lost its widgets
        with contextlib.suppress(NoMatches):
            if self.fleet_screen.is_mounted:
                self.fleet_screen.show_members(members)
        for screen in self.screen_stack:
            if isinstance(screen, MemberScreen) and screen.is_mounted:
                with contextlib.suppress(NoMatches):
                    screen.show_member(self._members.get(screen.member))

    def _count_files(self) -> None:
        """Re-count the files each member with a worktree changed (git; a thread worker)."""
        refs = {m.name: m.worktree for m in self._members.values() if m.worktree is not None}
        counts = {n: changed_files(r) for n, r in refs.items()}
        self.call_from_thread(self._show_files, counts)

    def _show_files(self, counts: dict[str, int | None]) -> None:
        with contextlib.suppress(NoMatches):
            self.fleet_screen.table.files.update(counts)
        self.refresh_members()

    def member(self, name: str) -> MemberPort | None:
        """The member's last known row."""
        return self._members.get(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ctrl+y shows (and works) only while something waits; c only with a catalog."""
        if action == "answer":
            return bool(self.model.pending())
        if action == "catalog":
            return self.catalog is not None
        return True

    # -- quitting ------------------------------------------------------------------

    def action_quit_fleet(self) -> None:
        """Quit; while members run turns, ask first and interrupt them before leaving."""
        if isinstance(self.screen, ConfirmDialog):
            return
        busy = [m.name for m in self.fleet.members() if m.state in _WORKING or m.queued]
        if not busy:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._quit_interrupting(busy), name="quit", exit_on_error=False)

        self.push_screen(ConfirmDialog(quit_question(busy)), answered)

    async def _quit_interrupting(self, busy: list[str]) -> None:
        """Interrupt (and drain) every busy member, so its turn ends interrupted, then exit."""
        self.notify("interrupting running turns…", timeout=self.QUIT_TIMEOUT)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.QUIT_TIMEOUT):
                await asyncio.gather(
                    *(self.fleet.interrupt(name, drain=True) for name in busy),
                    return_exceptions=True,
                )
        self.exit()

    # -- members -------------------------------------------------------------------

    def signal(self, sig: Signal) -> None:
        """A member needs the person (the fleet's notifier): badge it until it is opened."""
        self.needs.add(sig)
        self.sub_title = self.needs.text()

    def on_open_member(self, message: OpenMember) -> None:
        self.needs.seen(message.name)
        self.sub_title = self.needs.text()
        screen = MemberScreen(message.name, self.model, self.actions, self.clock, blink=self.blink)
        self.push_screen(screen)
        screen.call_after_refresh(screen.show_member, self.member(message.name))
        waiting = self.model.pending(message.name)
        if waiting:  # what it deferred opens when the person comes to it
            screen.call_after_refresh(self._open_next, waiting[0].request_id)

    def action_new_member(self) -> None:
        self._ask_member(NewMemberDialog(self.profiles, set(self._members), blink=self.blink))

    def _ask_member(self, dialog: NewMemberDialog, *, home: bool = False) -> None:
        def chosen(request: NewMemberRequest | None) -> None:
            if request is None:
                return
            self.actions.add(request)
            if home:
                while not isinstance(self.screen, FleetScreen) and len(self.screen_stack) > 1:
                    self.pop_screen()

        self.push_screen(dialog, chosen)

    def _added(self, name: str) -> None:
        self.notify(f"{name} joined the fleet", timeout=3)

    # -- catalog -------------------------------------------------------------------

    def action_catalog(self) -> None:
        if self.catalog is None:
            self.notify("no catalog is available", severity="warning")
            return
        hosts = self.hosts.catalogs(self.fleet.members()) if self.hosts else {}
        self.push_screen(CatalogScreen(self.catalog, self.clock, hosts=hosts, blink=self.blink))

    def on_into_fleet(self, message: IntoFleet) -> None:
        info = message.info
        base = info.name or f"s-{info.session_id[:8]}"
        dialog = NewMemberDialog(
            self.profiles,
            set(self._members),
            name=f"{base}-fork" if message.fork else base,
            cwd=info.cwd,
            resume=None if message.fork else info.session_id,
            fork_from=info.session_id if message.fork else None,
            host=message.host,
            blink=self.blink,
        )
        self._ask_member(dialog, home=True)

    # -- approvals -----------------------------------------------------------------

    def action_answer(self) -> None:
        """Open the request of the member on screen; elsewhere (or for several), a list."""
        if isinstance(self.screen, ModalScreen):
            return
        everyone = self.model.pending()
        if not everyone:
            self.notify("nothing is waiting on you", timeout=2)
            return
        context = None
        if isinstance(self.screen, MemberScreen):
            context = self.screen.member
        elif isinstance(self.screen, FleetScreen):
            context = self.screen.selected
        own = self.model.pending(context) if context is not None else []
        if own:
            self._open_dialog(own[0])
        elif len(everyone) == 1 and not isinstance(self.screen, MemberScreen):
            self._open_dialog(everyone[0])
        else:
            self._pick_waiting()

    def _pick_waiting(self) -> None:
        def picked(request: Pending | None) -> None:
            if request is not None:
                self.call_after_refresh(self._open_request, request.request_id)

        self.push_screen(WaitingList(self.model.pending()), picked)

    def _may_pop_up(self, request: Pending) -> bool:
        """A dialog opens by itself only on the fleet view or the member's own view, and
        never while the person types or another dialog is up."""
        screen, focused = self.screen, self.focused
        if isinstance(screen, ModalScreen):
            return False
        if isinstance(focused, Input) and bool(focused.value):
            return False
        return not isinstance(screen, MemberScreen) or screen.member == request.member

    def _raise(self, request: Pending) -> None:
        """A member now waits on a person: open its dialog, or say so where it would intrude."""
        if self._may_pop_up(request):
            self._open_dialog(request)
            return
        self.notify(f"{request.member} is waiting on you: ctrl+y to answer", timeout=5)

    def _open_dialog(self, request: Pending) -> None:
        if isinstance(request, PendingPermission):

            def decided(choice: PermissionChoice | None) -> None:
                if choice is not None:
                    self.actions.decide(request, choice)
                    self._after_answer()

            self.push_screen(PermissionDialog(request), decided)
        else:

            def answered(reply: QuestionReply | None) -> None:
                if reply is not None:
                    self.actions.answer(request, reply)
                    self._after_answer()

            self.push_screen(QuestionDialog(request), answered)

    def _after_answer(self) -> None:
        self.refresh_members()
        rest = self.model.pending()
        if rest:
            self.call_after_refresh(self._open_next, rest[0].request_id)

    def _open_next(self, request_id: str) -> None:
        for request in self.model.pending():
            if request.request_id == request_id and self._may_pop_up(request):
                self._open_dialog(request)

    def _open_request(self, request_id: str) -> None:
        """Open the dialog of a request the person picked (if it still waits)."""
        if isinstance(self.screen, ModalScreen):
            return
        for request in self.model.pending():
            if request.request_id == request_id:
                self._open_dialog(request)

    def _drop_stale_dialog(self) -> None:
        screen = self.screen
        if isinstance(screen, PermissionDialog | QuestionDialog):
            live = {p.request_id for p in self.model.pending()}
            if screen.request.request_id not in live:
                screen.dismiss(None)


def make_app(
    fleet: FleetPort,
    catalog: CatalogPort | None = None,
    profiles: Sequence[str] = ("claude-code-expert",),
    *,
    clock: Clock = _local_now,
    blink: bool = True,
    hosts: CatalogHosts | None = None,
) -> FleetApp:
    """Build the app's object graph around a fleet (tests pass their own fleet and clock);
    ``hosts``: the hosts whose catalogs the browser shows too."""
    return FleetApp(fleet, catalog, profiles, clock=clock, blink=blink, hosts=hosts)


def run_fleet_tui(
    roster_path: Path | None,
    profiles_path: Path | None,
    budget_usd: float | None = None,
    catalog_hosts: Sequence[str] = (),
) -> int:
    """Open the fleet from ``roster_path`` and run the TUI until the person quits
    (``budget_usd``: the fleet's spend cap, ``fleet --budget``; ``catalog_hosts``: hosts
    whose catalogs the browser shows besides the profiles' hosts, ``--catalog-host``).

    Returns the exit code: 0, or 143/129 when SIGTERM/SIGHUP closed the fleet.
    """
    from claude_coder.cli.stopping import run_stoppable

    return run_stoppable(
        lambda stopper: _run(stopper, roster_path, profiles_path, budget_usd, catalog_hosts),
        reap=False,
    )


async def _run(
    stopper: Stopper,
    roster_path: Path | None,
    profiles_path: Path | None,
    budget_usd: float | None = None,
    catalog_hosts: Sequence[str] = (),
) -> int:
    from claude_coder.catalog import Catalog
    from claude_coder.fleet import Fleet
    from claude_coder.fleet.hooks import load_settings
    from claude_coder.fleet.live import live_services
    from claude_coder.profiles import known_secrets, load_profiles
    from claude_coder.security import Redactor

    profile_set = load_profiles(profiles_path)
    settings = load_settings().notifications
    secrets, _ = known_secrets(profile_set)  # masked in the history view, best effort
    catalog = RedactedCatalog(Catalog(), Redactor(secrets))
    hosts = host_catalogs(profile_set, catalog_hosts, Redactor(secrets))
    async with Fleet.open(roster=roster_path, profiles=profile_set, budget_usd=budget_usd) as fleet:
        app = make_app(fleet, catalog, profile_set.names(), hosts=hosts)
        stopper.on_stop = app.exit

        def failed(message: str) -> None:
            app.notify(visible(message), severity="warning", timeout=8, markup=False)

        async with live_services(
            fleet, settings, badge=app.signal, bell=app.bell, on_failure=failed
        ):
            await app.run_async()
    return 0

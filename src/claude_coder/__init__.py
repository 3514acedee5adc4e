"""claude-coder: drive Claude Code the way a person would, on your own subscription.

The public surface, and only that: sessions, the fleet, the catalog, profiles, the
event vocabulary and the error tree, and every type their signatures name (a test
checks that). Implementation lives in the modules named here. Each name is imported
on first use (PEP 562), so ``import claude_coder`` and a command that needs one module
do not pay for the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from claude_coder._lazy import lazy_exports

__version__ = "0.1.0"

if TYPE_CHECKING:  # what type checkers see; at run time __getattr__ imports on first use
    from claude_coder.catalog import Catalog, ListResult, ScanStats, SessionInfo
    from claude_coder.catalog.reader import FileFacts
    from claude_coder.errors import (
        AmbiguousSessionError,
        BadNameError,
        BinaryNotFoundError,
        CatalogError,
        ChildExited,
        ClaudeCoderError,
        ConfigError,
        ControlProtocolError,
        CredentialRefused,
        FleetError,
        FleetNotRunningError,
        FleetRequestError,
        GhNotFoundError,
        HostError,
        LoginNotProven,
        MemberExistsError,
        MemberNameError,
        MemberNotFoundError,
        MergeConflictError,
        NameTakenError,
        ProfileCycleError,
        ProfileNotFoundError,
        ProfilesInvalidError,
        RemoteCallError,
        RosterCorruptError,
        RosterLocationError,
        RosterLockedError,
        ScreenError,
        SecretError,
        SecurityRefusal,
        SessionClosedError,
        SessionError,
        SessionNotFoundError,
        SettingsError,
        SettingsRefused,
        TransportError,
        UnsafeFileRefused,
        VersionRefused,
        WorktreeError,
    )
    from claude_coder.events import (
        ApiRetry,
        AssistantText,
        Boundary,
        Envelope,
        Event,
        HostLost,
        HostRejoined,
        Parked,
        PermissionDecided,
        PermissionDecision,
        PermissionRequest,
        PermissionRequested,
        Question,
        QuestionAnswered,
        QuestionAsked,
        QuestionOption,
        QuestionRequest,
        RateLimited,
        Resumed,
        SaveFailed,
        ScreenChanged,
        SessionClosed,
        SessionStarted,
        SessionState,
        StateChanged,
        StreamGap,
        TextDelta,
        ToolCall,
        ToolResult,
        TurnEnded,
        TurnResult,
        Usage,
        UserText,
    )
    from claude_coder.fleet import (
        Fleet,
        FleetSubscription,
        FleetTurn,
        MemberInfo,
        MemberSpec,
        Roster,
        RosterMember,
        SessionFactory,
        WorktreeRef,
        WorktreeStatus,
    )
    from claude_coder.policy import Policy, Verdict
    from claude_coder.profiles import (
        PermissionPolicy,
        Profile,
        ProfileSet,
        ProfileSpec,
        SecretRef,
        load_profiles,
    )
    from claude_coder.security import Redactor, StreamRedactor
    from claude_coder.session import Session
    from claude_coder.session._decide import PermissionCallback, QuestionCallback
    from claude_coder.session._stream import EventCallback, Subscription
    from claude_coder.session._turns import TurnHandle, TurnStatus
    from claude_coder.transports.base import Transport, TransportHooks
    from claude_coder.transports.fake import (
        Ask,
        Crash,
        Delay,
        Fail,
        FakeTransport,
        Limit,
        Say,
        Stall,
        Tool,
    )

_EXPORTS: dict[str, str] = {
    "claude_coder.catalog": "Catalog ListResult ScanStats SessionInfo",
    "claude_coder.catalog.reader": "FileFacts",
    "claude_coder.errors": (
        "AmbiguousSessionError BadNameError BinaryNotFoundError CatalogError ChildExited "
        "ClaudeCoderError ConfigError ControlProtocolError CredentialRefused FleetError "
        "FleetNotRunningError FleetRequestError GhNotFoundError HostError LoginNotProven "
        "MemberExistsError MemberNameError MemberNotFoundError MergeConflictError "
        "NameTakenError ProfileCycleError ProfileNotFoundError ProfilesInvalidError "
        "RemoteCallError RosterCorruptError RosterLocationError RosterLockedError ScreenError "
        "SecretError "
        "SecurityRefusal SessionClosedError SessionError SessionNotFoundError "
        "SettingsError SettingsRefused TransportError UnsafeFileRefused VersionRefused "
        "WorktreeError"
    ),
    "claude_coder.events": (
        "ApiRetry AssistantText Boundary Envelope Event HostLost HostRejoined Parked "
        "PermissionDecided PermissionDecision PermissionRequest PermissionRequested "
        "Question QuestionAnswered QuestionAsked QuestionOption QuestionRequest "
        "RateLimited Resumed SaveFailed ScreenChanged SessionClosed SessionStarted "
        "SessionState StateChanged StreamGap TextDelta ToolCall ToolResult TurnEnded "
        "TurnResult Usage UserText"
    ),
    "claude_coder.fleet": (
        "Fleet FleetSubscription FleetTurn MemberInfo MemberSpec Roster RosterMember "
        "SessionFactory WorktreeRef WorktreeStatus"
    ),
    "claude_coder.policy": "Policy Verdict",
    "claude_coder.profiles": (
        "PermissionPolicy Profile ProfileSet ProfileSpec SecretRef load_profiles"
    ),
    "claude_coder.security": "Redactor StreamRedactor",
    "claude_coder.session": "Session",
    "claude_coder.session._decide": "PermissionCallback QuestionCallback",
    "claude_coder.session._stream": "EventCallback Subscription",
    "claude_coder.session._turns": "TurnHandle TurnStatus",
    "claude_coder.transports.base": "Transport TransportHooks",
    "claude_coder.transports.fake": "Ask Crash Delay Fail FakeTransport Limit Say Stall Tool",
}
"""The names each module exports, space-separated (a test checks they match the imports
above)."""

__all__ = [
    "AmbiguousSessionError",
    "ApiRetry",
    "Ask",
    "AssistantText",
    "BadNameError",
    "BinaryNotFoundError",
    "Boundary",
    "Catalog",
    "CatalogError",
    "ChildExited",
    "ClaudeCoderError",
    "ConfigError",
    "ControlProtocolError",
    "Crash",
    "CredentialRefused",
    "Delay",
    "Envelope",
    "Event",
    "EventCallback",
    "Fail",
    "FakeTransport",
    "FileFacts",
    "Fleet",
    "FleetError",
    "FleetNotRunningError",
    "FleetRequestError",
    "FleetSubscription",
    "FleetTurn",
    "GhNotFoundError",
    "HostError",
    "HostLost",
    "HostRejoined",
    "Limit",
    "ListResult",
    "LoginNotProven",
    "MemberExistsError",
    "MemberInfo",
    "MemberNameError",
    "MemberNotFoundError",
    "MemberSpec",
    "MergeConflictError",
    "NameTakenError",
    "Parked",
    "PermissionCallback",
    "PermissionDecided",
    "PermissionDecision",
    "PermissionPolicy",
    "PermissionRequest",
    "PermissionRequested",
    "Policy",
    "Profile",
    "ProfileCycleError",
    "ProfileNotFoundError",
    "ProfileSet",
    "ProfileSpec",
    "ProfilesInvalidError",
    "Question",
    "QuestionAnswered",
    "QuestionAsked",
    "QuestionCallback",
    "QuestionOption",
    "QuestionRequest",
    "RateLimited",
    "Redactor",
    "RemoteCallError",
    "Resumed",
    "Roster",
    "RosterCorruptError",
    "RosterLocationError",
    "RosterLockedError",
    "RosterMember",
    "SaveFailed",
    "Say",
    "ScanStats",
    "ScreenChanged",
    "ScreenError",
    "SecretError",
    "SecretRef",
    "SecurityRefusal",
    "Session",
    "SessionClosed",
    "SessionClosedError",
    "SessionError",
    "SessionFactory",
    "SessionInfo",
    "SessionNotFoundError",
    "SessionStarted",
    "SessionState",
    "SettingsError",
    "SettingsRefused",
    "Stall",
    "StateChanged",
    "StreamGap",
    "StreamRedactor",
    "Subscription",
    "TextDelta",
    "Tool",
    "ToolCall",
    "ToolResult",
    "Transport",
    "TransportError",
    "TransportHooks",
    "TurnEnded",
    "TurnHandle",
    "TurnResult",
    "TurnStatus",
    "UnsafeFileRefused",
    "Usage",
    "UserText",
    "Verdict",
    "VersionRefused",
    "WorktreeError",
    "WorktreeRef",
    "WorktreeStatus",
    "__version__",
    "load_profiles",
]

if not TYPE_CHECKING:  # a type checker sees the imports above, and an unknown name is an error
    __getattr__, __dir__ = lazy_exports(
        __name__,
        {name: module for module, names in _EXPORTS.items() for name in names.split()},
        __all__,
    )

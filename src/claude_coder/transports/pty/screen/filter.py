"""The byte filter between Claude Code's PTY output and pyte: what pyte 0.8 cannot parse.

pyte 0.8 misreads CSI sequences that carry a ``<``, ``=`` or ``>`` marker (``CSI < u``
draws a stray ``u``; ``CSI > 4 m`` turns into an underline), draws the bodies of DCS,
APC, PM and SOS strings as text, and ignores the alternate screen. :class:`TerminalFilter`
is a pure incremental ``feed()`` object: it drops those sequences, and turns the
alternate-screen switches (``CSI ? 1049 h/l``, ``1047``, ``47``) into
:class:`ScreenSwitch` markers for the screen wrapper to act on. Everything else passes
through byte for byte. Output never depends on how the input was split into chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ScreenSwitch", "Segment", "TerminalFilter", "join_segments"]

ESC = 0x1B
_CSI_PARAM = range(0x30, 0x40)
_CSI_INTER = range(0x20, 0x30)
_CSI_FINAL = range(0x40, 0x7F)
_DROP_MARKERS = frozenset(b"<=>")
_STRING_INTRODUCERS = frozenset(b"P_^X")  # DCS, APC, PM, SOS: bodies end at ST
_ALT_MODES = frozenset({b"?1049", b"?1047", b"?47"})
_MAX_SEQUENCE = 256
"""A CSI longer than this is not one: it is passed through for pyte to deal with."""


@dataclass(frozen=True, slots=True)
class ScreenSwitch:
    """The program entered (``alternate=True``) or left the alternate screen."""

    alternate: bool


Segment = bytes | ScreenSwitch


def join_segments(segments: list[Segment]) -> list[Segment]:
    """Merge neighbouring byte chunks (drops empty ones); markers stay where they were."""
    out: list[Segment] = []
    for seg in segments:
        if isinstance(seg, bytes):
            if not seg:
                continue
            if out and isinstance(out[-1], bytes):
                out[-1] = out[-1] + seg
                continue
        out.append(seg)
    return out


class TerminalFilter:
    """Incremental filter: ``feed(bytes) -> segments``; an unfinished sequence is held."""

    def __init__(self) -> None:
        self._held = b""
        self._in_string = False
        """Inside a DCS/APC/PM/SOS body (dropped until ``ESC \\``)."""

    def feed(self, data: bytes) -> list[Segment]:
        """Filter one chunk; returns bytes to give pyte and alternate-screen markers."""
        buf = self._held + data
        self._held = b""
        out: list[Segment] = []
        plain = bytearray()
        i, n = 0, len(buf)
        while i < n:
            if self._in_string:
                end = buf.find(b"\x1b\\", i)
                if end < 0:
                    self._held = b"\x1b" if buf.endswith(b"\x1b") else b""
                    i = n
                    break
                self._in_string = False
                i = end + 2
                continue
            esc = buf.find(b"\x1b", i)
            if esc < 0:
                plain += buf[i:]
                break
            plain += buf[i:esc]
            step = self._escape(buf, esc, plain, out)
            if step is None:
                self._held = buf[esc:]
                break
            i = step
        if plain:
            out.append(bytes(plain))
        return join_segments(out)

    def flush(self) -> list[Segment]:
        """End of stream: an unfinished sequence is passed through as it was."""
        held, self._held = self._held, b""
        if self._in_string:
            self._in_string = False
            return []
        return [held] if held else []

    def _escape(self, buf: bytes, at: int, plain: bytearray, out: list[Segment]) -> int | None:
        """Handle the escape at ``at``; returns where to continue, None if incomplete."""
        if at + 1 >= len(buf):
            return None
        kind = buf[at + 1]
        if kind == ord("["):
            return self._csi(buf, at, plain, out)
        if kind in _STRING_INTRODUCERS:
            self._in_string = True
            return at + 2
        plain += buf[at : at + 2]
        return at + 2

    def _csi(self, buf: bytes, at: int, plain: bytearray, out: list[Segment]) -> int | None:
        j = at + 2
        n = len(buf)
        while j < n and buf[j] in _CSI_PARAM:
            j += 1
        while j < n and buf[j] in _CSI_INTER:
            j += 1
        if j >= n:
            if n - at > _MAX_SEQUENCE:
                plain += buf[at:n]
                return n
            return None
        if buf[j] not in _CSI_FINAL:
            # Not a well-formed CSI (a control byte inside): leave it to pyte.
            plain += buf[at:j]
            return j
        params = buf[at + 2 : j]
        final = buf[j]
        if params[:1] and params[0] in _DROP_MARKERS:
            return j + 1
        if final in b"hl" and params in _ALT_MODES:
            if plain:
                out.append(bytes(plain))
                plain.clear()
            out.append(ScreenSwitch(alternate=final == ord("h")))
            return j + 1
        plain += buf[at : j + 1]
        return j + 1

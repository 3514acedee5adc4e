"""The TUI's screens: the fleet, a member, approvals, a new member, the catalog."""

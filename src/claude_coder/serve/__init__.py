"""The host side of a remote member: ``claude-coder serve --stdio`` and its one-shot calls."""

"""claude-coder: drive Claude Code on your own subscription."""

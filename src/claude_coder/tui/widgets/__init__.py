"""The TUI's widgets: they render the view model and post messages; they do no I/O."""

"""transports/screen."""

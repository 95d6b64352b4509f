"""Browser tests and unit tests of the dashboard."""

"""Developer and CI tools: with_services.py (databases for the tests), audit.py (dependency audit)."""

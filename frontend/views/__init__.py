"""Page views, one module per role (plus the public pages and the shared case page)."""

"""Reviewing tagged passages: review records and their resolution, the dashboard, and the web app."""

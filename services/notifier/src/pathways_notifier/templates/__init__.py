"""The inbox pages' Jinja2 templates and stylesheet (package data)."""

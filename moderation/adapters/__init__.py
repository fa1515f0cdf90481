"""One adapter per content kind moderation screens (registry in moderation/registry.py)."""

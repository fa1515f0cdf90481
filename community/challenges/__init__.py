"""Brand challenges: services, selectors, the prize draw, tasks and moderation adapters."""

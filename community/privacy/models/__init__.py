"""Privacy tables, one module per concern (export and deletion, consent, staff access)."""

"""Moderators' pages: the queue (queue.py), the quality audit (audit.py) and the ops page (ops.py)."""

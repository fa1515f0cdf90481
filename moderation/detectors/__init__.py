"""Screening detectors: one module per detector, each a ``base.Detector`` subclass.

The pipeline (``moderation.pipeline``) decides which run and in what order.
"""

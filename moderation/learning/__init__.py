"""Learned text classifiers, generic over a label pair (moderation: reject/approve,
quality: low/high). See docs/classifier.md.

    train(examples, kind=...)      -> TrainResult   (held-out metrics, new active version)
    evaluate(examples, kind=...)   -> dict          (the active model on labelled data)
    load_active(kind)              -> LoadedModel | None   (cached in-process)
    predict_proba(items, kind=...) -> list[float]   (probability of the bad label)
"""
from .datasets import LabelFileError, examples_read, sample_examples
from .kinds import KINDS, Kind, kind_get, kind_register
from .store import (
    LoadedModel,
    NoActiveModel,
    artifact_activate,
    artifact_active,
    cache_clear,
    load_active,
    model_dir,
    predict_proba,
)
from .training import TrainingError, TrainResult, evaluate, train

__all__ = [
    "KINDS",
    "Kind",
    "LabelFileError",
    "LoadedModel",
    "NoActiveModel",
    "TrainResult",
    "TrainingError",
    "artifact_activate",
    "artifact_active",
    "cache_clear",
    "evaluate",
    "examples_read",
    "kind_get",
    "kind_register",
    "load_active",
    "model_dir",
    "predict_proba",
    "sample_examples",
    "train",
]

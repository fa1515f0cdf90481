"""Versioned model artifacts: joblib files in ``COCREATE_MODEL_DIR`` plus one
``ClassifierArtifact`` row each, and an in-process cache of the active model.

Artifacts are pickles: only load files this service wrote (the model directory
must not be writable by anything else).
"""
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import joblib
import sklearn
from django.conf import settings
from django.db import IntegrityError, transaction

from moderation.models import ClassifierArtifact

from .features import example_coerce

log = logging.getLogger(__name__)

FORMAT = 1
DEFAULT_CHECK_SECONDS = 30


class NoActiveModel(LookupError):
    pass


def model_dir() -> Path:
    return Path(getattr(settings, "COCREATE_MODEL_DIR", None) or Path(settings.BASE_DIR) / "var" / "models")


@dataclass
class LoadedModel:
    """The active artifact of a kind, loaded and ready to score."""

    artifact_id: int
    kind: str
    version: int
    threshold: float
    metrics: dict
    model: object  # TextModel

    @property
    def precision(self):
        return self.metrics.get("precision")

    def predict_proba(self, items) -> list:
        if isinstance(items, str | bytes | dict):
            items = [items]
        return [float(p) for p in self.model.predict_proba(list(items))]

    def predict_one(self, item) -> float:
        return float(self.model.predict_proba([example_coerce(item)])[0])


def _write(path: Path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    joblib.dump(payload, tmp, compress=3)
    os.replace(tmp, path)  # readers never see a half-written file


def artifact_save(*, kind, model, threshold, metrics, trained_on) -> ClassifierArtifact:
    """Write the model file and its row as version last+1 of ``kind``, make it the
    active one (the others of that kind stay, inactive, for rollback)."""
    for attempt in range(5):
        path = None
        try:
            with transaction.atomic():
                # Lock the kind's rows so two trainings cannot take the same version; the unique
                # constraint (and the retry) covers the first version, where there is no row to lock.
                last = (
                    ClassifierArtifact.objects.select_for_update().filter(kind=kind).order_by("-version").first()
                )
                version = last.version + 1 if last else 1
                path = model_dir() / kind / f"{kind}-v{version}-{secrets.token_hex(4)}.joblib"
                _write(
                    path,
                    {
                        "format": FORMAT,
                        "kind": kind,
                        "version": version,
                        "sklearn": sklearn.__version__,
                        "threshold": threshold,
                        "metrics": metrics,
                        "model": model,
                    },
                )
                ClassifierArtifact.objects.filter(kind=kind, is_active=True).update(is_active=False)
                artifact = ClassifierArtifact.objects.create(
                    kind=kind,
                    version=version,
                    path=str(path),
                    metrics=metrics,
                    threshold=threshold,
                    trained_on=trained_on,
                    is_active=True,
                )
        except IntegrityError:
            if path is not None:
                path.unlink(missing_ok=True)
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
            continue
        except BaseException:
            if path is not None:
                path.unlink(missing_ok=True)
            raise
        _refresh_soon(kind)
        return artifact


def artifact_activate(*, kind, version) -> ClassifierArtifact:
    """Make an earlier (or the latest) version the active one, e.g. to roll back."""
    with transaction.atomic():
        artifact = ClassifierArtifact.objects.select_for_update().get(kind=kind, version=version)
        if not artifact.is_active:
            ClassifierArtifact.objects.filter(kind=kind, is_active=True).update(is_active=False)
            artifact.is_active = True
            artifact.save(update_fields=["is_active"])
    _refresh_soon(kind)
    return artifact


def artifact_active(kind) -> ClassifierArtifact | None:
    return ClassifierArtifact.objects.filter(kind=kind, is_active=True).order_by("-version").first()


def _resolve(path_str: str) -> Path:
    path = Path(path_str)
    if path.exists():
        return path
    # The model directory moved (new host, new mount): look for the file by name.
    moved = model_dir() / path.parent.name / path.name
    return moved if moved.exists() else path


def artifact_load(artifact: ClassifierArtifact) -> LoadedModel:
    payload = joblib.load(_resolve(artifact.path))
    if payload.get("format") != FORMAT:
        raise ValueError(f"artifact {artifact.path} has format {payload.get('format')}, expected {FORMAT}")
    if payload.get("sklearn") != sklearn.__version__:
        log.warning(
            "classifier %s v%s was trained with scikit-learn %s, running %s",
            artifact.kind, artifact.version, payload.get("sklearn"), sklearn.__version__,
        )
    model = payload["model"]
    model.predict_proba(["预热 warm-up"])  # loads jieba and checks the file works before it serves
    return LoadedModel(
        artifact_id=artifact.pk,
        kind=artifact.kind,
        version=artifact.version,
        threshold=float(artifact.threshold),
        metrics=dict(artifact.metrics or {}),
        model=model,
    )


# --- in-process cache of the active model ------------------------------------------

_cache = {}  # kind -> (checked_at monotonic, LoadedModel | None)
_lock = threading.Lock()


def _refresh_soon(kind):
    # Now (so this process sees the new row even inside an outer transaction, as in tests)
    # and again after commit (so a concurrent reader cannot keep the old row for 30 s).
    cache_clear(kind)
    transaction.on_commit(lambda: cache_clear(kind))


def cache_clear(kind=None):
    with _lock:
        if kind is None:
            _cache.clear()
        else:
            _cache.pop(kind, None)


def load_active(kind="moderation") -> LoadedModel | None:
    """The active model of ``kind`` or None. The database is asked at most every
    ``COCREATE_MODEL_CHECK_SECONDS`` (30 s) per process; the file is loaded again only
    when the active row changed. Training or activating in this process refreshes at once."""
    interval = float(getattr(settings, "COCREATE_MODEL_CHECK_SECONDS", DEFAULT_CHECK_SECONDS))
    now = time.monotonic()
    cached = _cache.get(kind)
    if cached is not None and now - cached[0] < interval:
        return cached[1]
    with _lock:
        cached = _cache.get(kind)
        if cached is not None and now - cached[0] < interval:
            return cached[1]
        current = cached[1] if cached else None
        row = artifact_active(kind)
        if row is None:
            loaded = None
        elif current is not None and (current.artifact_id, current.version) == (row.pk, row.version):
            loaded = current
            loaded.threshold, loaded.metrics = float(row.threshold), dict(row.metrics or {})
        else:
            try:
                loaded = artifact_load(row)
            except Exception:
                log.exception("cannot load classifier %s v%s from %s", row.kind, row.version, row.path)
                loaded = current  # keep serving the previous model rather than none
        _cache[kind] = (now, loaded)
        return loaded


def predict_proba(items, *, kind="moderation") -> list:
    """Probability of the bad label (reject / low) for each text or example dict,
    from the active model. Raises NoActiveModel if there is none."""
    loaded = load_active(kind)
    if loaded is None:
        raise NoActiveModel(f"no active {kind} model; train one with `manage.py moderation_model train`")
    return loaded.predict_proba(items)

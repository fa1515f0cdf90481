"""Train and evaluate the learned quality component on external labels.

    manage.py quality_model train --labels FILE.jsonl [--labels MORE.jsonl] [--sample] [--json]
    manage.py quality_model evaluate --labels FILE.jsonl [--json]

Lines: {"text": ..., "label": "low"|"ok", "rating": 1-5 optional}. The metrics are the
ones ``moderation_model`` prints (same engine, kind "quality": "ok" is its good label).
"""
from django.core.management.base import CommandError

from core import jsonio
from moderation.management.commands.moderation_model import EXIT_NO_MODEL
from moderation.management.commands.moderation_model import Command as ModelCommand

KIND = "quality"


class Command(ModelCommand):
    help = "Train or evaluate the learned quality model on labelled JSONL (low / ok)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{train,evaluate}")
        train = actions.add_parser("train", help="Train a new version and make it active.")
        train.add_argument("--labels", action="append", default=[], metavar="FILE")
        train.add_argument("--sample", action="store_true", help="Add moderation/data/quality_sample.jsonl")
        train.add_argument("--target-precision", type=float, default=None)
        train.add_argument("--json", action="store_true")
        evaluate = actions.add_parser("evaluate", help="Measure the ACTIVE quality model on a labelled file.")
        evaluate.add_argument("--labels", required=True, metavar="FILE")
        evaluate.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        return getattr(self, f"handle_{options['action']}")(**options)

    def _read(self, paths, kind=KIND):
        from moderation.learning import LabelFileError
        from moderation.quality.datasets import labels_read

        examples = []
        for path in paths:
            try:
                examples += labels_read(path)
            except LabelFileError as exc:
                raise CommandError(str(exc)) from None
        return examples

    def handle_train(self, *, labels, sample, target_precision, json: bool, **_):
        from moderation.learning import TrainingError, train
        from moderation.quality.datasets import SAMPLE

        if not (labels or sample):
            raise CommandError("nothing to train on: give --labels FILE and/or --sample")
        examples = self._read(([str(SAMPLE)] if sample else []) + list(labels))
        try:
            result = train(examples, kind=KIND, target_precision=target_precision)
        except TrainingError as exc:
            raise CommandError(str(exc)) from None
        if json:
            self.stdout.write(jsonio.dumps(result.as_dict()))
            return
        self.stdout.write(self.style.SUCCESS(
            f"Trained {KIND} v{result.version} on {result.trained_on} examples in {result.seconds:.1f} s; active now."
        ))
        self.stdout.write(f"Held-out metrics ({result.metrics['n_test']} examples, not used for fitting):")
        self._metrics(result.metrics)

    def handle_evaluate(self, *, labels, json: bool, **_):
        from moderation.learning import NoActiveModel, TrainingError, evaluate

        examples = self._read([labels])
        try:
            metrics = evaluate(examples, kind=KIND)
        except NoActiveModel:
            raise CommandError(
                "no active quality model: train one first (manage.py quality_model train --sample)",
                returncode=EXIT_NO_MODEL,
            ) from None
        except TrainingError as exc:
            raise CommandError(str(exc)) from None
        if json:
            self.stdout.write(jsonio.dumps(metrics))
            return
        self.stdout.write(f"{KIND} v{metrics['version']} on {metrics['n']} examples from {labels}:")
        self._metrics(metrics)

"""Train, evaluate and inspect the learned classifiers.

    manage.py moderation_model train --labels FILE.jsonl [--labels MORE.jsonl] [--sample] [--decisions] [--kind K]
    manage.py moderation_model evaluate --labels FILE.jsonl [--kind K] [--json]
    manage.py moderation_model status [--kind K] [--json]
    manage.py moderation_model activate --version N [--kind K]
"""

from django.core.management.base import BaseCommand, CommandError

from core import jsonio

EXIT_NO_MODEL = 2


class Command(BaseCommand):
    help = "Train, evaluate and list versions of the learned moderation / quality classifiers."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{train,evaluate,status,activate}")

        train = actions.add_parser("train", help="Train a new version and make it active.")
        train.add_argument("--labels", action="append", default=[], metavar="FILE", help="JSON lines; repeatable")
        train.add_argument("--sample", action="store_true", help="Add the labelled sample shipped with the code")
        train.add_argument("--decisions", action="store_true", help="Add moderators' decisions (moderation only)")
        train.add_argument("--target-precision", type=float, default=None)
        train.add_argument("--kind", default="moderation")
        train.add_argument("--json", action="store_true")

        evaluate = actions.add_parser("evaluate", help="Measure the ACTIVE model on a labelled file.")
        evaluate.add_argument("--labels", required=True, metavar="FILE")
        evaluate.add_argument("--kind", default="moderation")
        evaluate.add_argument("--json", action="store_true", help="Print exactly one JSON object")

        status = actions.add_parser("status", help="List versions and their held-out metrics.")
        status.add_argument("--kind", default=None)
        status.add_argument("--json", action="store_true")

        activate = actions.add_parser("activate", help="Make a version active (roll back or forward).")
        activate.add_argument("--version", type=int, required=True, dest="model_version")
        activate.add_argument("--kind", default="moderation")

    def handle(self, *args, **options):
        from moderation.learning import kind_get

        if options.get("kind"):
            try:
                kind_get(options["kind"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        return getattr(self, f"handle_{options['action']}")(**options)

    # --- actions -----------------------------------------------------------------------

    def _read(self, paths, kind):
        from moderation.learning import LabelFileError, examples_read

        examples = []
        for path in paths:
            try:
                examples += examples_read(path, kind=kind)
            except LabelFileError as exc:
                raise CommandError(str(exc)) from None
        return examples

    def handle_train(self, *, kind, labels, sample, decisions, target_precision, json: bool, **_):
        from moderation.classifier import examples_from_decisions
        from moderation.learning import TrainingError, sample_examples, train

        if not (labels or sample or decisions):
            raise CommandError("nothing to train on: give --labels FILE, --sample and/or --decisions")
        examples = self._read(labels, kind)
        if sample:
            examples = sample_examples(kind) + examples
        if decisions:
            if kind != "moderation":
                raise CommandError("--decisions is only available for --kind moderation")
            examples += examples_from_decisions()
        try:
            result = train(examples, kind=kind, target_precision=target_precision)
        except TrainingError as exc:
            raise CommandError(str(exc)) from None
        if json:
            self.stdout.write(jsonio.dumps(result.as_dict()))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Trained {kind} v{result.version} on {result.trained_on} examples in {result.seconds:.1f} s; "
                f"active now. Saved to {result.path}"
            )
        )
        if result.dropped:
            self.stdout.write("Dropped: " + ", ".join(f"{k} {v}" for k, v in result.dropped.items()))
        self.stdout.write(f"Held-out metrics ({result.metrics['n_test']} examples, not used for fitting):")
        self._metrics(result.metrics)

    def handle_evaluate(self, *, kind, labels, json: bool, **_):
        from moderation.learning import NoActiveModel, TrainingError, evaluate

        examples = self._read([labels], kind)
        try:
            metrics = evaluate(examples, kind=kind)
        except NoActiveModel:
            raise CommandError(
                f"no active {kind} model: train one first (manage.py moderation_model train --labels FILE)",
                returncode=EXIT_NO_MODEL,
            ) from None
        except TrainingError as exc:
            raise CommandError(str(exc)) from None
        if json:
            self.stdout.write(jsonio.dumps(metrics))
            return
        self.stdout.write(f"{kind} v{metrics['version']} on {metrics['n']} examples from {labels}:")
        self._metrics(metrics)

    def handle_status(self, *, kind, json: bool, **_):
        from moderation.models import ClassifierArtifact

        rows = ClassifierArtifact.objects.order_by("kind", "-version")
        if kind:
            rows = rows.filter(kind=kind)
        listing = [
            {
                "kind": a.kind,
                "version": a.version,
                "active": a.is_active,
                "created_at": a.created_at.isoformat(),
                "trained_on": a.trained_on,
                "threshold": a.threshold,
                "path": a.path,
                **{k: (a.metrics or {}).get(k) for k in ("accuracy", "precision", "recall", "f1", "roc_auc")},
            }
            for a in rows
        ]
        if json:
            self.stdout.write(jsonio.dumps({"versions": listing}))
            return
        if not listing:
            self.stdout.write("No trained models. Train one with: manage.py moderation_model train --sample")
            return
        header = f"{'kind':<11} {'ver':>4} {'':1} {'created':<16} {'n':>7} {'thresh':>6} " + " ".join(
            f"{k:>6}" for k in ("acc", "prec", "recall", "f1", "auc")
        )
        self.stdout.write(header)
        for row in listing:
            scores = " ".join(
                _fmt(row[k]).rjust(6) for k in ("accuracy", "precision", "recall", "f1", "roc_auc")
            )
            self.stdout.write(
                f"{row['kind']:<11} {row['version']:>4} {'*' if row['active'] else ' '} {row['created_at'][:16]:<16} "
                f"{row['trained_on']:>7} {row['threshold']:>6.3f} {scores}"
            )
        self.stdout.write("* active. Metrics are on each version's held-out split.")

    def handle_activate(self, *, kind, model_version, **_):
        from moderation.learning import artifact_activate
        from moderation.models import ClassifierArtifact

        try:
            artifact = artifact_activate(kind=kind, version=model_version)
        except ClassifierArtifact.DoesNotExist:
            raise CommandError(f"no {kind} model version {model_version}") from None
        self.stdout.write(self.style.SUCCESS(f"{kind} v{artifact.version} is active"))

    def _metrics(self, m):
        self.stdout.write(
            f"  threshold {m['threshold']:.3f}   accuracy {_fmt(m['accuracy'])}   precision {_fmt(m['precision'])}   "
            f"recall {_fmt(m['recall'])}   F1 {_fmt(m['f1'])}   ROC-AUC {_fmt(m['roc_auc'])}"
        )
        c = m["confusion"]
        self.stdout.write(f"  confusion: tp {c['tp']}  fp {c['fp']}  fn {c['fn']}  tn {c['tn']}")
        self.stdout.write("  threshold  precision  recall")
        for point in m["curve"]:
            self.stdout.write(f"  {point['threshold']:>9.1f}  {point['precision']:>9.3f}  {point['recall']:>6.3f}")
        for target, found in m["at_precision"].items():
            if found:
                self.stdout.write(
                    f"  precision ≥ {target}: threshold {found['threshold']:.3f} (recall {found['recall']:.3f})"
                )
            else:
                self.stdout.write(f"  precision ≥ {target}: not reached")


def _fmt(value):
    return "-" if value is None else f"{value:.3f}"

"""`quantcorr learn`: datasets, training and evaluation of learned classifiers of the quantum set
in the CHSH scenario. numpy, torch and scikit-learn are imported inside the commands only."""

from __future__ import annotations

import click

from quantcorr.cli.commands import write_json_output

SPACE = click.Choice(["4", "8"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def learn() -> None:
    """Learned classifiers of the quantum set (CHSH scenario): data, train, eval.

    Coordinates: space 8 = (<A0>,<A1>,<B0>,<B1>,E00,E01,E10,E11); space 4 = the correlators with
    zero marginals. Label 1 = in the NPA set Q_level ("quantum").
    """


@learn.command()
@click.option("--space", type=SPACE, required=True, help="4: correlators, zero marginals; 8: full CHSH coordinates")
@click.option("--sampler", type=click.Choice(["uniform", "balanced", "boundary", "curved"]), required=True,
              help="uniform in NS, class-balanced by rejection, boundary pairs (1 -+ sigma) lambda* u, or curved: "
                   "boundary pairs keeping only the rays the exact shortcuts leave open")
@click.option("--n", "n", type=click.IntRange(2, 10**7), required=True, help="number of points (pairs count twice)")
@click.option("--sigma", type=float, default=1e-2, show_default=True, help="relative offset of boundary pairs")
@click.option("--level", default="1+AB", show_default=True, help="NPA level of the labels")
@click.option("--labels", type=click.Choice(["auto", "tlm", "npa"]), default="auto", show_default=True,
              help="auto: exact TLM in space 4, NPA in space 8")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--chunk", type=click.IntRange(2, 10**6), default=2000, show_default=True,
              help="points per resumable chunk")
@click.option("--out", required=True, metavar="D.npz", help="output dataset")
@click.option("--overwrite", is_flag=True, help="replace an existing output file")
@click.option("--no-progress", is_flag=True, help="no progress bar")
@click.option("--json", "json_path", metavar="PATH", help="write the summary as JSON ('-' for stdout)")
def data(space: str, sampler: str, n: int, sigma: float, level: str, labels: str, seed: int, chunk: int, out: str,
         overwrite: bool, no_progress: bool, json_path: str | None) -> None:
    """Sample and label CHSH points (resumable: rerun the same command after an interruption)."""
    from .dataset import generate

    summary = generate(out, space=int(space), sampler=sampler, n=n, sigma=sigma, level=level, seed=seed,
                       labels=labels, chunk=chunk, overwrite=overwrite, progress=not no_progress)
    if json_path != "-":
        click.echo(f"{summary['out']}: {summary['points']} points, quantum fraction {summary['quantum_fraction']:.4f}, "
                   f"labels: {summary['labeller']} ({summary['resumed_chunks']} of {summary['chunks']} chunks resumed)")
    if json_path:
        write_json_output(json_path, summary)


@learn.command()
@click.option("--model", "kind", type=click.Choice(["svm", "nn", "gauge"]), required=True,
              help="svm: RBF SVM; nn: dense classifier; gauge: network for the gap to the closed-form level-1 "
                   "boundary (space-8 boundary or curved datasets only)")
@click.option("--data", "data_paths", required=True, multiple=True, type=click.Path(exists=True, dir_okay=False),
              metavar="D.npz", help="dataset (repeatable: the training splits are joined)")
@click.option("--out", required=True, metavar="M", help="model file: .npz for svm, .pt for nn and gauge")
@click.option("--features", default="raw", show_default=True, help="comma-separated subset of raw, chsh, tlm")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the split, CV folds and weights")
@click.option("--cv-max", type=click.IntRange(100, 10**6), default=4000, show_default=True,
              help="svm: training points used by the grid search")
@click.option("--epochs", type=click.IntRange(1, 10**5), default=300, show_default=True, help="nn: maximum epochs")
@click.option("--patience", type=click.IntRange(1, 10**5), default=30, show_default=True, help="nn: early stopping")
@click.option("--batch", type=click.IntRange(1, 10**6), default=256, show_default=True, help="nn: batch size")
@click.option("--lr", type=click.FloatRange(0, 1, min_open=True), default=3e-3, show_default=True, help="nn: Adam rate")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.5, show_default=True,
              help="nn: focal-loss weight of the quantum class")
@click.option("--gamma", type=click.FloatRange(0, 10), default=2.0, show_default=True, help="nn: focal-loss exponent")
@click.option("--convex", is_flag=True, help="nn: non-negative weights after layer 1 (convex quantum region)")
@click.option("--hidden", default="64,16,4", show_default=True, metavar="W1,W2,..",
              help="nn and gauge: widths of the hidden layers")
@click.option("--symmetry/--no-symmetry", default=True, show_default=True,
              help="gauge: canonicalise by the 128 symmetries of the CHSH scenario (the gap is invariant)")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--exact-rules", is_flag=True,
              help="decide local points (quantum), points outside NS or the closed-form Q_1 (not quantum) and "
                   "zero-marginal points (TLM, exact there) exactly; the model learns the rest")
@click.option("--overwrite", is_flag=True, help="replace an existing model file")
@click.option("--no-progress", is_flag=True)
@click.option("--json", "json_path", metavar="PATH", help="write the summary as JSON ('-' for stdout)")
def train(kind: str, data_paths: tuple[str, ...], out: str, features: str, seed: int, cv_max: int, epochs: int,
          patience: int, batch: int, lr: float, alpha: float, gamma: float, convex: bool, hidden: str,
          symmetry: bool, device: str, exact_rules: bool, overwrite: bool, no_progress: bool,
          json_path: str | None) -> None:
    """Train an RBF SVM (cross-validated grid) or a dense network (focal loss) on the 70% training
    split of D.npz (15% validation, 15% test, seeded)."""
    from .train import parse_hidden, train as run

    summary = run(kind, list(data_paths), out, features=features, seed=seed, overwrite=overwrite, cv_max=cv_max,
                  epochs=epochs, patience=patience, batch=batch, lr=lr, alpha=alpha, gamma=gamma, convex=convex,
                  device=device, exact_rules=exact_rules, hidden=parse_hidden(hidden), symmetry=symmetry,
                  progress=not no_progress)
    if json_path != "-":
        v = summary["validation"]
        click.echo(f"{summary['out']}: {kind} on space {summary['space']} ({features}), {summary['n_train']} training "
                   f"points, {summary['train_s']:.1f} s; validation accuracy {v['accuracy']:.4f}, balanced "
                   f"{v['balanced_accuracy']:.4f}; {summary['size_bytes'] / 1024:.0f} KiB")
    if json_path:
        write_json_output(json_path, summary)


@learn.command(name="eval")
@click.option("--model", "model_path", required=True, type=click.Path(exists=True, dir_okay=False), metavar="M")
@click.option("--data", "data_path", required=True, type=click.Path(exists=True, dir_okay=False), metavar="D.npz")
@click.option("--boundary", "boundary_path", type=click.Path(exists=True, dir_okay=False), metavar="B.npz",
              help="boundary-pair dataset for the spread accuracies (default: the data if it holds pairs, "
                   "else fresh directions)")
@click.option("--spread-pairs", type=click.IntRange(1, 10**6), default=1000, show_default=True,
              help="fresh boundary directions when no pairs are given")
@click.option("--seed", type=int, default=1, show_default=True, help="seed of fresh boundary directions")
@click.option("--json", "json_path", metavar="PATH", help="write the report as JSON ('-' for stdout)")
@click.option("--plot", "plot_path", metavar="PNG", help="write the ROC curve and a decision-boundary slice")
def evaluate(model_path: str, data_path: str, boundary_path: str | None, spread_pairs: int, seed: int,
             json_path: str | None, plot_path: str | None) -> None:
    """Accuracy, balanced accuracy, per-class precision/recall, confusion matrix, spread accuracy."""
    from .evaluate import evaluate as run, plot_report

    report = run(model_path, data_path, boundary_path, spread_pairs, seed)
    if plot_path:
        report["plot"] = str(plot_report(report, model_path, plot_path))
    public = {k: v for k, v in report.items() if not k.startswith("_")}
    if json_path != "-":
        show_report(public)
    if json_path:
        write_json_output(json_path, public)


def show_report(r: dict) -> None:
    from rich.table import Table

    from quantcorr.cli.render import console

    m = r["metrics"]

    def f(v):
        return "-" if v is None else f"{v:.4f}"

    console.print(f"[bold]{r['model_kind']}[/] ({r['features']}) on {r['data']} ({r['sampler']}, {r['scope']}, "
                  f"{m['n']} points, quantum fraction {m['quantum_fraction']:.4f}); labels: {r['labels']}")
    t = Table("metric", "model", "always quantum")
    t.add_row("accuracy", f(m["accuracy"]), f(m["baseline_accuracy"]))
    t.add_row("balanced accuracy", f(m["balanced_accuracy"]), f(m["baseline_balanced_accuracy"]))
    for cls in ("quantum", "not_quantum"):
        t.add_row(f"precision {cls}", f(m["precision"][cls]), "")
        t.add_row(f"recall {cls}", f(m["recall"][cls]), "")
    t.add_row("ROC AUC (not quantum)", f(m["auc_not_quantum"]), "")
    for s in r["spread"]:
        t.add_row(f"spread accuracy sigma={s['sigma']:g} ({s['pairs']} pairs)", f(s["accuracy"]), "0.5000")
    console.print(t)
    (tn, fp), (fn, tp) = m["confusion"]["matrix"]
    console.print(f"confusion (rows true, cols predicted; not-quantum, quantum): [[{tn}, {fp}], [{fn}, {tp}]]")
    console.print(f"spread pairs: {r['spread_source']}")
    if r.get("plot"):
        console.print(f"plot: {r['plot']}")

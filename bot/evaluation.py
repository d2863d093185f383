"""`python -m bot eval`: how well the assistant answers, end to end and retrieval alone, against peers.

Three measurements on the same case files (../shared/eval/dev.yml and tests/eval/paraphrases.yml):

1. End to end: the real action server and Rasa server (started here on free ports unless `--url` is
   given); every case is the first message of a fresh conversation over Rasa's REST channel, and the
   turn's custom payload (docs/reply-contract.md) is checked against the case's `expect`.
2. Retrieval alone, in process: `RetrievalIndex.decide` with config.yml's thresholds on the cases that
   expect an answer (in scope) or out_of_scope, single-threaded, with per-question latency.
3. With `--peers`: the same retrieval metrics for lexical-only and dense-only ranking (thresholds
   calibrated for each on the calibration set exactly as benchmarks/calibrate.py calibrates the hybrid),
   and for Rasa's own FAQ approach, a ResponseSelector trained on retrieval intents made from the FAQ.

The calibration machinery (features, grid search) lives here too; benchmarks/calibrate.py is its
command line.
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import yaml

from bot.settings import ROOT

DEV_FILE = ROOT.parent / "shared" / "eval" / "dev.yml"
CALIBRATION_FILE = ROOT / "tests" / "eval" / "paraphrases.yml"
DEFAULT_CASE_FILES = [DEV_FILE, CALIBRATION_FILE]
PEER_DIR = ROOT / "models" / "peer-response-selector"
RASA_PYTHON = ROOT / ".venv" / "rasa" / "bin" / "python"
RASA_BIN = ROOT / ".venv" / "rasa" / "bin" / "rasa"

# Calibration objective: a correct answer is worth 1, a clarifying question (options instead of a guess)
# CLARIFY_BONUS, a wrong answer or a hand-off 0; at most MAX_OOS_ANSWERED of out-of-scope cases may be
# answered confidently.
CLARIFY_BONUS = 0.5
MAX_OOS_ANSWERED = 0.03


# -- cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    text: str
    expects: tuple[dict, ...]
    file: str

    @property
    def kinds(self) -> list[str]:
        return [e["kind"] for e in self.expects]

    @property
    def primary_kind(self) -> str:
        return self.expects[0]["kind"]

    @property
    def in_scope(self) -> bool:
        """Expects an answer from the FAQ (possibly among other acceptable replies)."""
        return "answer" in self.kinds

    @property
    def out_of_scope(self) -> bool:
        return "out_of_scope" in self.kinds

    @property
    def answer_topic(self) -> str | None:
        for e in self.expects:
            if e["kind"] == "answer":
                return e.get("topic")
        return None

    def topic_ok(self, topic: str | None) -> bool:
        """An answer with this topic is acceptable (an answer expectation without a topic accepts any)."""
        return any(e["kind"] == "answer" and (e.get("topic") is None or e.get("topic") == topic) for e in self.expects)

    def describe_expect(self) -> str:
        return " | ".join(e["kind"] + (f"/{e['topic']}" if e.get("topic") else "") for e in self.expects)


def load_cases(path: Path) -> list[Case]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    cases = []
    for i, item in enumerate(data.get("cases") or []):
        expect = item.get("expect")
        expects = tuple(expect if isinstance(expect, list) else [expect])
        if not item.get("text") or not expects or not all(isinstance(e, dict) and e.get("kind") for e in expects):
            raise ValueError(f"{path}: case {i + 1} needs `text` and `expect` with a `kind`: {item!r}")
        cases.append(Case(str(item["text"]), expects, display_path(path)))
    return cases


def display_path(path: Path) -> str:
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return os.path.relpath(path, ROOT)


@dataclass
class Got:
    """What a method replied to one case: the reply contract's fields that matter here."""

    kind: str
    topic: str | None = None
    faq_id: str | None = None
    score: float | None = None
    ms: float = 0.0
    note: str = ""

    def describe(self) -> str:
        score = f"{self.score:.3f}" if isinstance(self.score, (int, float)) else "-"
        text = f"{self.kind}/{self.topic or '-'}/{self.faq_id or '-'}/{score}"
        return text + (f" ({self.note})" if self.note else "")


def matches(case: Case, got: Got) -> bool:
    return any(e["kind"] == got.kind and (e.get("topic") is None or e.get("topic") == got.topic) for e in case.expects)


def retrieval_correct(case: Case, got: Got) -> bool:
    """In-scope success for a ranker: an acceptable reply that is not a clarifying question or a hand-off
    (for the rankers: an answer with the right topic; the ResponseSelector peer is also credited when its
    intent routes to an accepted non-answer kind such as `eligibility`)."""
    return got.kind not in ("clarify", "handoff") and matches(case, got)


# -- small statistics ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} {100 * part / whole:5.1f}%" if whole else f"{part}/0    n/a"


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


# -- machine and command ---------------------------------------------------------------------------


def machine_description() -> dict[str, str]:
    uname = " ".join([platform.system(), platform.release(), platform.machine()])
    try:
        uname = subprocess.run(["uname", "-srm"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"uname": uname, "nproc": nproc, "cpu": cpu}


def command_line(module: str, argv: Sequence[str] | None = None) -> str:
    """The command that is running, as one would type it from the project root."""
    python = Path(sys.executable)
    try:
        python_text = str(python.relative_to(ROOT))
    except ValueError:
        python_text = str(python)
    args = list(sys.argv[1:] if argv is None else argv)
    return " ".join([f"PYTHONPATH=. {python_text} -m {module}", *(shlex.quote(a) for a in args)])


def print_footer(command: str) -> None:
    m = machine_description()
    print()
    print(f"command: {command}")
    print(f"date:    {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine: {m['uname']}, {m['nproc']} CPUs ({m['cpu']})")


# -- 1. end to end over REST -----------------------------------------------------------------------


def post_message(rasa_url: str, sender: str, text: str, timeout: float = 60.0) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def ask_fresh(rasa_url: str, text: str) -> Got:
    """Send `text` as the first message of a new conversation; the reply's one custom payload."""
    sender = f"eval-{uuid.uuid4().hex[:16]}"
    started = time.perf_counter()
    try:
        messages = post_message(rasa_url, sender, text)
    except Exception as exc:  # noqa: BLE001 - a failed turn is a miss, not a crash
        return Got("error", ms=(time.perf_counter() - started) * 1000, note=f"request failed: {exc}")
    ms = (time.perf_counter() - started) * 1000
    payloads = [m["custom"] for m in messages if isinstance(m, dict) and isinstance(m.get("custom"), dict)]
    if len(payloads) != 1:
        return Got("no-payload" if not payloads else "several-payloads", ms=ms,
                   note=f"{len(payloads)} custom payloads in {len(messages)} messages")
    p = payloads[0]
    return Got(str(p.get("kind")), p.get("topic"), p.get("faq_id"), p.get("score"), ms)


def report_end_to_end(name: str, cases: list[Case], gots: list[Got], where: str) -> dict[str, Any]:
    ok = [matches(c, g) for c, g in zip(cases, gots)]
    print(f"\n== End to end: {name} ({len(cases)} cases, first message of a fresh conversation, {where})")
    print(f"overall accuracy                 {ratio(sum(ok), len(cases))}")
    print("by expected kind (first acceptable kind of each case):")
    for kind in sorted({c.primary_kind for c in cases}):
        idx = [i for i, c in enumerate(cases) if c.primary_kind == kind]
        print(f"  {kind:<14}                 {ratio(sum(ok[i] for i in idx), len(idx))}")
    emergency = [i for i, c in enumerate(cases) if "emergency" in c.kinds]
    print(f"emergency cases                  {ratio(sum(ok[i] for i in emergency), len(emergency))}")
    answer_idx = [i for i, c in enumerate(cases) if c.in_scope]
    topics = sorted({cases[i].answer_topic or "(any)" for i in answer_idx})
    print("by topic (cases that accept an answer):")
    for topic in topics:
        idx = [i for i in answer_idx if (cases[i].answer_topic or "(any)") == topic]
        print(f"  {topic:<22}         {ratio(sum(ok[i] for i in idx), len(idx))}")
    clarified = sum(1 for i in answer_idx if gots[i].kind == "clarify")
    oos = [i for i, c in enumerate(cases) if c.out_of_scope]
    oos_answered = sum(1 for i in oos if gots[i].kind == "answer")
    latencies = [g.ms for g in gots if g.kind != "error"]
    print(f"clarify rate (in-scope cases)    {ratio(clarified, len(answer_idx))}")
    print(f"out-of-scope answered (kind answer) {ratio(oos_answered, len(oos))}")
    print(f"latency median / p95             {median(latencies):.0f} / {percentile(latencies, 95):.0f} ms")
    misses = [i for i, good in enumerate(ok) if not good]
    print(f"misses ({len(misses)}):" if misses else "misses: none")
    for i in misses:
        print(f"  - {cases[i].text!r}\n      expected {cases[i].describe_expect()}; got {gots[i].describe()}")
    return {"accuracy": sum(ok) / len(cases) if cases else float("nan"), "n": len(cases)}


def run_end_to_end(files: dict[str, list[Case]], url: str | None) -> int:
    from bot.stack import MODEL, Stack, free_port

    stack = None
    if url is None:
        if not MODEL.exists():
            print(f"error: no trained model at {display_path(MODEL)}; run `make train` first "
                  "(`make eval` does), or pass --url of a running Rasa server, or --no-e2e.", file=sys.stderr)
            return 2
        workdir = Path(tempfile.mkdtemp(prefix="eval-stack-"))
        stack = Stack(free_port(), free_port(), log_dir=ROOT / "logs" / "eval",
                      env_overrides={"TRACKER_DB": str(workdir / "trackers.db")})
        print(f"Starting the action server and Rasa on free ports (logs in {display_path(stack.log_dir)}/) ...",
              flush=True)
        started = time.monotonic()
        try:
            stack.start(with_gateway=False)
            stack.wait_ready(timeout=600)
        except (RuntimeError, TimeoutError) as exc:
            stack.stop()
            print(f"error: the assistant did not start: {exc}", file=sys.stderr)
            return 2
        print(f"ready after {time.monotonic() - started:.0f} s", flush=True)
        url = stack.rasa_url
        where = "servers started by this run"
    else:
        url = url.rstrip("/")
        where = f"server at {url}"
    try:
        for _ in range(3):  # warm-up turns, not measured
            ask_fresh(url, "what is car t cell therapy")
        for name, cases in files.items():
            gots = [ask_fresh(url, c.text) for c in cases]
            report_end_to_end(name, cases, gots, where)
    finally:
        if stack is not None:
            stack.stop()
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


# -- 2. retrieval alone, in process ----------------------------------------------------------------


def single_thread() -> None:
    import torch

    torch.set_num_threads(1)


def build_index():
    """The index the action server would serve: data/faq with config.yml's settings."""
    from bot.live import LiveContent

    return LiveContent().snapshot.index


def with_settings(index, settings):
    """A view of the index whose default settings are `settings` (shares the encoded content)."""
    view = copy.copy(index)
    view.settings = settings
    return view


def decide_to_got(index, decision) -> Got:
    top = decision.top
    if decision.band == "answer" and decision.passage is None and top is not None:
        return Got("answer", top.entry.topic, top.entry.id, top.score)
    if decision.band == "answer" and decision.passage is not None:
        return Got("answer", index.passage_topic(decision.passage), None, decision.passage_score, note="passage")
    kind = "out_of_scope" if decision.off_topic else decision.band
    return Got(kind, top.entry.topic if top else None, top.entry.id if top else None,
               top.score if top else None)


def run_ranker(index, cases: list[Case], mode: str = "hybrid") -> list[Got]:
    """`index.decide` on every case, timed one by one (the caller sets torch to one thread)."""
    index.decide("warm up the tagger and the encoder", mode=mode)
    gots = []
    for case in cases:
        started = time.perf_counter()
        decision = index.decide(case.text, mode=mode)
        ms = (time.perf_counter() - started) * 1000
        got = decide_to_got(index, decision)
        got.ms = ms
        gots.append(got)
    return gots


@dataclass
class RetrievalMetrics:
    n_in: int
    correct: int
    clarify: int
    wrong: int
    n_oos: int
    oos_answered: int
    median_ms: float
    p95_ms: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.n_in if self.n_in else float("nan")


def retrieval_cases(cases: Iterable[Case]) -> list[Case]:
    return [c for c in cases if c.in_scope or c.out_of_scope]


def retrieval_metrics(cases: list[Case], gots: list[Got]) -> RetrievalMetrics:
    inside = [(c, g) for c, g in zip(cases, gots) if c.in_scope]
    outside = [(c, g) for c, g in zip(cases, gots) if c.out_of_scope]
    latencies = [g.ms for g in gots]
    return RetrievalMetrics(
        n_in=len(inside),
        correct=sum(retrieval_correct(c, g) for c, g in inside),
        clarify=sum(g.kind == "clarify" for _, g in inside),
        wrong=sum(g.kind == "answer" and not c.topic_ok(g.topic) for c, g in inside),
        n_oos=len(outside),
        oos_answered=sum(g.kind == "answer" for _, g in outside),
        median_ms=median(latencies),
        p95_ms=percentile(latencies, 95),
    )


def report_retrieval(name: str, method: str, cases: list[Case], gots: list[Got], show_misses: bool = True) -> RetrievalMetrics:
    m = retrieval_metrics(cases, gots)
    print(f"\n== Retrieval only ({method}): {name} ({m.n_in} in-scope, {m.n_oos} out-of-scope cases)")
    print(f"in-scope accuracy (answer, right topic)  {ratio(m.correct, m.n_in)}")
    print(f"clarify rate (in-scope)                  {ratio(m.clarify, m.n_in)}")
    print(f"wrong answers (in-scope)                 {ratio(m.wrong, m.n_in)}")
    print(f"out-of-scope answered confidently        {ratio(m.oos_answered, m.n_oos)}")
    print(f"index.decide latency median / p95        {m.median_ms:.1f} / {m.p95_ms:.1f} ms (1 thread)")
    if show_misses:
        misses = [(c, g) for c, g in zip(cases, gots)
                  if (c.in_scope and not retrieval_correct(c, g)) or (c.out_of_scope and g.kind == "answer")]
        print(f"not answered right ({len(misses)}):" if misses else "not answered right: none")
        for c, g in misses:
            print(f"  - {c.text!r}\n      expected {c.describe_expect()}; got {g.describe()}")
    return m


# -- calibration (shared with benchmarks/calibrate.py) ----------------------------------------------


@dataclass
class Features:
    """Per case, everything `decide` needs, so that any thresholds and weights can be replayed cheaply."""

    dense_best: Any      # (E,) float32: best cosine over the entry's question and alternates
    answer_sims: Any     # (E,) float32: cosine to the entry's answer
    lexical: Any         # (E,) float32
    passage_score: float
    passage_topic: str | None


def compute_features(index, texts: Sequence[str]) -> list[Features]:
    topic_of_passage: dict[int, str | None] = {}
    out = []
    for text in texts:
        best, answer_sims, lexical, query = index.score_parts(text)
        passage, passage_score = index._best_passage(query.vector)
        if passage is not None and id(passage) not in topic_of_passage:
            topic_of_passage[id(passage)] = index.passage_topic(passage)
        out.append(Features(best, answer_sims, lexical, float(passage_score),
                            topic_of_passage.get(id(passage)) if passage is not None else None))
    return out


def _tops(features: list[Features], topics: list[str], mode: str, s, k: int):
    """Top entry, its score and its margin over the best other-topic candidate among the top k, as decide does."""
    import numpy as np

    from bot.retrieval import RetrievalIndex

    top_idx, top_score, margin = [], [], []
    for f in features:
        scores = RetrievalIndex.combine(f.dense_best, f.answer_sims, f.lexical, s, mode)
        order, top, gap = RetrievalIndex.top_and_margin(scores, topics, k)
        top_idx.append(int(order[0]))
        top_score.append(top)
        margin.append(gap)
    return np.array(top_idx), np.array(top_score), np.array(margin)


GRID = {
    "answer_min_score": [round(x, 2) for x in [0.20 + 0.01 * i for i in range(76)]],   # 0.20 .. 0.95
    "answer_min_margin": [round(0.01 * i, 2) for i in range(21)],                      # 0.00 .. 0.20
    "clarify_min_score": [round(x, 2) for x in [0.10 + 0.01 * i for i in range(86)]],  # 0.10 .. 0.95, <= answer_min_score
    "passage_min_score": [0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 1.01],           # 1.01 = never
}
WEIGHT_GRID = {
    "hybrid": [{"dense_weight": dw, "lexical_weight": round(1 - dw, 2), "answer_weight": aw}
               for dw in (0.5, 0.6, 0.7, 0.8) for aw in (0.10, 0.15, 0.20)],
    "dense": [{"answer_weight": aw} for aw in (0.10, 0.15, 0.20)],
    "lexical": [{}],
}


@dataclass
class Calibration:
    mode: str
    values: dict[str, float]
    objective: float
    accuracy: float
    clarify: float
    wrong: float
    oos_answered: float
    n_in: int
    n_oos: int
    ties: int
    feasible: bool

    def settings(self, base):
        return dataclasses.replace(base, **self.values)


def calibrate(index, cases: list[Case], mode: str = "hybrid", features: list[Features] | None = None,
              search_weights: bool = True, clarify_bonus: float = CLARIFY_BONUS,
              max_oos_answered: float = MAX_OOS_ANSWERED) -> Calibration:
    """Grid search of the bands (and weights) for one ranking mode.

    Objective on the in-scope cases: (correct answers + CLARIFY_BONUS x clarifying questions) / cases,
    subject to at most MAX_OOS_ANSWERED of out-of-scope cases answered. Ties are broken by fewer wrong
    answers, then fewer out-of-scope answers; what is still tied is a plateau of equally good values,
    and the point nearest the plateau's per-setting median is taken (not its edge, which would sit on
    the last case it happened to separate)."""
    import numpy as np

    cases = retrieval_cases(cases)
    features = features if features is not None else compute_features(index, [c.text for c in cases])
    topics = [e.topic for e in index.entries]
    base = index.settings
    k = max(5, base.clarify_options)
    inside = np.array([c.in_scope for c in cases])
    outside = np.array([c.out_of_scope for c in cases])
    n_in, n_oos = int(inside.sum()), int(outside.sum())
    n = len(cases)
    max_oos = math.floor(max_oos_answered * n_oos + 1e-9)
    p_score = np.array([f.passage_score for f in features])
    p_ok = np.array([c.topic_ok(f.passage_topic) for c, f in zip(cases, features)])
    a_grid = np.array(GRID["answer_min_score"])
    m_grid = np.array(GRID["answer_min_margin"])
    c_grid = np.array(GRID["clarify_min_score"])
    p_grid = np.array(GRID["passage_min_score"] if mode == "hybrid" else [math.inf])
    passage_on = (p_score[None, :] >= p_grid[:, None]).astype(float)        # (P, n)
    weight_options = WEIGHT_GRID[mode] if search_weights else [{}]

    best_key = None
    tied: list[tuple] = []
    for weights in weight_options:
        dw = weights.get("dense_weight", base.dense_weight)
        lw = weights.get("lexical_weight", base.lexical_weight)
        aw = weights.get("answer_weight", base.answer_weight)
        scoring = dataclasses.replace(base, dense_weight=dw, lexical_weight=lw, answer_weight=aw)
        top_idx, top, margin = _tops(features, topics, mode, scoring, k)
        top_ok = np.array([c.topic_ok(topics[i]) for c, i in zip(cases, top_idx)])
        clarify_on = (top[None, :] >= c_grid[:, None]).astype(float)         # (C, n)
        not_clarify = 1.0 - clarify_on
        for a in a_grid:
            over = top >= a
            for m in m_grid:
                answered = over & (margin >= m)
                rest = ~answered
                a_correct = int((answered & inside & top_ok).sum())
                a_wrong = int((answered & inside & ~top_ok).sum())
                a_oos = int((answered & outside).sum())
                clar = clarify_on @ (rest & inside).astype(float)            # (C,)
                # Passage answers: not answered, below the clarify band, passage score high enough.
                p_correct = (not_clarify * (rest & inside & p_ok)) @ passage_on.T      # (C, P)
                p_wrong = (not_clarify * (rest & inside & ~p_ok)) @ passage_on.T
                p_oos = (not_clarify * (rest & outside)) @ passage_on.T
                correct = a_correct + p_correct
                wrong = a_wrong + p_wrong
                oos = a_oos + p_oos
                objective = (correct + clarify_bonus * clar[:, None]) / max(n_in, 1)
                valid = np.broadcast_to(c_grid[:, None] <= a + 1e-9, objective.shape)
                feasible = valid & (oos <= max_oos + 1e-9)
                if not feasible.any():
                    continue
                # Lexicographic on exact integers: objective (in hundredths of a case), then fewer wrong
                # answers, then fewer out-of-scope answers.
                units = np.rint((correct + clarify_bonus * clar[:, None]) * 100)
                score = np.where(feasible, units * (n + 1) ** 2 + (n - wrong) * (n + 1) + (n - oos), -np.inf)
                key = float(score.max())
                if best_key is None or key > best_key:
                    best_key, tied = key, []
                if key == best_key:
                    for ci, pi in zip(*np.nonzero(score == key)):
                        tied.append((dict(weights), float(a), float(m), float(c_grid[ci]), float(p_grid[pi]),
                                     float(objective[ci, pi]), float(correct[ci, pi]), float(clar[ci]),
                                     float(wrong[ci, pi]), float(oos[ci, pi])))
    if not tied:
        # Nothing meets the out-of-scope limit: report the current settings, marked infeasible.
        values = {"answer_min_score": base.answer_min_score, "answer_min_margin": base.answer_min_margin,
                  "clarify_min_score": base.clarify_min_score}
        return Calibration(mode, values, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"),
                           n_in, n_oos, 0, False)

    def coords(t):
        w = t[0]
        return [w.get("dense_weight", base.dense_weight) / 0.1, w.get("answer_weight", base.answer_weight) / 0.05,
                t[1] / 0.01, t[2] / 0.01, t[3] / 0.01, min(t[4], 0.85) / 0.05]

    points = np.array([coords(t) for t in tied])
    centre = np.median(points, axis=0)
    chosen = tied[int(np.argmin(np.abs(points - centre).sum(axis=1)))]
    weights, a, m, c, p, objective, correct, clar, wrong, oos = chosen
    values = {**weights, "answer_min_score": a, "answer_min_margin": m, "clarify_min_score": c}
    if mode == "hybrid":
        values["passage_min_score"] = p
    return Calibration(mode, values, objective, correct / max(n_in, 1), clar / max(n_in, 1), wrong / max(n_in, 1),
                       oos / n_oos if n_oos else 0.0, n_in, n_oos, len(tied), True)


def describe_values(values: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in values.items())


# -- 3. Rasa's ResponseSelector as a peer -----------------------------------------------------------

# How the peer's intents map onto reply kinds (retrieval intent `faq` becomes an answer of its entry's topic).
PEER_INTENT_KINDS = {
    "out_of_scope": "out_of_scope",
    "nlu_fallback": "handoff",
    "greet": "smalltalk", "goodbye": "smalltalk", "thank": "smalltalk", "bot_challenge": "smalltalk",
    "feedback_helpful": "smalltalk", "feedback_not_helpful": "smalltalk", "stop": "smalltalk",
    "request_human": "handoff", "ask_medical_advice": "handoff", "inform": "handoff",
    "report_emergency": "emergency",
    "ask_eligibility": "eligibility",
}

PARSE_SCRIPT = r'''
import asyncio, json, logging, sys, time
logging.disable(logging.WARNING)
from rasa.core.agent import Agent

model, texts_file, out_file = sys.argv[1:4]
agent = Agent.load(model)
texts = json.load(open(texts_file, encoding="utf-8"))

async def main():
    for warm in ("hello", "what is apheresis", "warm up"):
        await agent.parse_message(warm)
    out = []
    for text in texts:
        started = time.perf_counter()
        result = await agent.parse_message(text)
        ms = (time.perf_counter() - started) * 1000
        selected = ((result.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        out.append({"intent": (result.get("intent") or {}).get("name"),
                    "confidence": (result.get("intent") or {}).get("confidence"),
                    "intent_response_key": selected.get("intent_response_key"),
                    "response_confidence": selected.get("confidence"), "ms": ms})
    with open(out_file, "w", encoding="utf-8") as handle:
        json.dump(out, handle)

asyncio.run(main())
'''


def _examples_block(texts: Iterable[str]) -> str:
    seen, lines = set(), []
    for text in texts:
        clean = " ".join(str(text).replace("[", "(").replace("]", ")").split())
        if clean and clean.lower() not in seen:
            seen.add(clean.lower())
            lines.append(f"- {clean}")
    return "\n".join(lines) + "\n"


class _Literal(str):
    pass


def _literal_dumper():
    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(_Literal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|"))
    return Dumper


def build_peer_project(workdir: Path) -> tuple[str, dict[str, str]]:
    """Write the peer's NLU data, domain and config into `workdir`; return their hash and entry topics."""
    from bot.content import load_content
    from bot.settings import load_settings

    paths = load_settings().paths
    content, _ = load_content(paths.faq_dir, paths.sources_dir, paths.topics_file, paths.contacts_file)
    if not content.entries:
        raise RuntimeError(f"no FAQ entries in {paths.faq_dir}")
    topics = {e.id: e.topic for e in content.entries}

    nlu: list[dict] = []
    intents: list[str] = []
    for entry in sorted(content.entries, key=lambda e: e.id):
        nlu.append({"intent": f"faq/{entry.id}", "examples": _Literal(_examples_block(entry.phrasings))})
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if item.get("intent") == "ask_question":
                continue
            item = dict(item)
            if "examples" in item:
                item["examples"] = _Literal(item["examples"])
            nlu.append(item)
            if item.get("intent") and item["intent"] not in intents:
                intents.append(item["intent"])
    responses = {f"utter_faq/{e.id}": [{"text": " ".join(e.answer.split())}]
                 for e in sorted(content.entries, key=lambda e: e.id)}
    dumper = _literal_dumper()
    nlu_text = yaml.dump({"version": "3.1", "nlu": nlu, "responses": responses}, Dumper=dumper,
                         sort_keys=False, allow_unicode=True, width=1000)
    domain_text = yaml.dump({"version": "3.1", "intents": ["faq", *intents]}, Dumper=dumper, sort_keys=False)

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    pipeline = [dict(c) for c in config.get("pipeline") or [] if "EmergencyIntentOverride" not in str(c.get("name"))]
    selector = {"name": "ResponseSelector", "retrieval_intent": "faq", "epochs": 60,
                "constrain_similarities": True, "random_seed": 42}
    at = next((i + 1 for i, c in enumerate(pipeline) if c.get("name") == "DIETClassifier"), len(pipeline))
    pipeline.insert(at, selector)
    peer_config = {k: v for k, v in config.items() if k not in ("assistant", "policies", "pipeline")}
    peer_config["pipeline"] = pipeline
    config_text = yaml.safe_dump(peer_config, sort_keys=False)

    (workdir / "data").mkdir(parents=True, exist_ok=True)
    (workdir / "data" / "nlu.yml").write_text(nlu_text, encoding="utf-8")
    (workdir / "domain.yml").write_text(domain_text, encoding="utf-8")
    (workdir / "config.yml").write_text(config_text, encoding="utf-8")
    lock = ROOT / "requirements" / "rasa.lock"
    digest = hashlib.sha256("\0".join([nlu_text, domain_text, config_text,
                                        lock.read_text() if lock.exists() else ""]).encode()).hexdigest()[:16]
    return digest, topics


def _rasa_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the peer needs no project code
    # One core, like the rankers' latency figures.
    env.update({"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1",
                "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "",
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    return env


def ensure_peer_model(workdir: Path) -> tuple[Path, dict[str, str], bool]:
    """The trained peer model for the current FAQ, NLU data and config (trained only when missing)."""
    digest, topics = build_peer_project(workdir)
    model = PEER_DIR / f"{digest}.tar.gz"
    if model.exists():
        return model, topics, False
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    log_file = PEER_DIR / f"train-{digest}.log"
    print(f"Training the ResponseSelector peer (NLU only; cached as {display_path(model)}; log {display_path(log_file)}) ...",
          flush=True)
    started = time.monotonic()
    env = _rasa_env()
    env.pop("TF_INTRA_OP_PARALLELISM_THREADS")  # training may use both cores
    env.pop("TF_INTER_OP_PARALLELISM_THREADS")
    env.pop("OMP_NUM_THREADS")
    with open(log_file, "w") as log:
        result = subprocess.run(
            [str(RASA_BIN), "train", "nlu", "--nlu", "data", "--config", "config.yml", "--domain", "domain.yml",
             "--out", str(PEER_DIR), "--fixed-model-name", digest],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0 or not model.exists():
        raise RuntimeError(f"training the peer failed (exit {result.returncode}); see {log_file}")
    print(f"trained in {time.monotonic() - started:.0f} s", flush=True)
    for stale in PEER_DIR.iterdir():  # models of earlier content are never used again
        if stale.is_file() and digest not in stale.name and stale.name.endswith((".tar.gz", ".log")):
            stale.unlink()
    return model, topics, True


def run_response_selector(cases_by_file: dict[str, list[Case]]) -> tuple[dict[str, list[Got]], str]:
    workdir = Path(tempfile.mkdtemp(prefix="peer-rs-"))
    try:
        model, topics, trained = ensure_peer_model(workdir)
        texts = sorted({c.text for cases in cases_by_file.values() for c in cases})
        (workdir / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
        (workdir / "parse.py").write_text(PARSE_SCRIPT, encoding="utf-8")
        result = subprocess.run([str(RASA_PYTHON), "parse.py", str(model), "texts.json", "parsed.json"],
                                cwd=workdir, env=_rasa_env(), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"parsing with the peer failed:\n{result.stderr[-3000:]}")
        parsed = dict(zip(texts, json.loads((workdir / "parsed.json").read_text(encoding="utf-8"))))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    out: dict[str, list[Got]] = {}
    for name, cases in cases_by_file.items():
        gots = []
        for case in cases:
            p = parsed[case.text]
            intent = p.get("intent") or "nlu_fallback"
            if intent == "faq":
                key = p.get("intent_response_key") or ""
                entry_id = key.split("/", 1)[1] if "/" in key else None
                gots.append(Got("answer", topics.get(entry_id), entry_id, p.get("response_confidence"), p["ms"],
                                note=f"intent faq {p.get('confidence') or 0:.2f}"))
            else:
                gots.append(Got(PEER_INTENT_KINDS.get(intent, "handoff"), None, None, p.get("confidence"), p["ms"],
                                note=f"intent {intent}"))
        out[name] = gots
    status = f"model {display_path(model)} ({'trained in this run' if trained else 'cached'})"
    return out, status


# -- the command -----------------------------------------------------------------------------------


def print_table(rows: list[tuple[str, str, RetrievalMetrics]]) -> None:
    header = ("set", "method", "in-scope accuracy", "clarify rate", "wrong answers", "OOS confident-answer rate",
              "median ms", "p95 ms")
    body = [(s, method, f"{pct(m.correct, m.n_in)} ({m.correct}/{m.n_in})", pct(m.clarify, m.n_in),
             pct(m.wrong, m.n_in), f"{pct(m.oos_answered, m.n_oos)} ({m.oos_answered}/{m.n_oos})",
             f"{m.median_ms:.1f}", f"{m.p95_ms:.1f}") for s, method, m in rows]
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(v).ljust(w) for v, w in zip(r, widths)) + " |"  # noqa: E731
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in body:
        print(line(r))


def main(args) -> int:
    files = [Path(p) for p in (args.cases or DEFAULT_CASE_FILES)]
    cases_by_file: dict[str, list[Case]] = {}
    for path in files:
        if not path.exists():
            print(f"warning: case file {display_path(path)} does not exist; skipped", file=sys.stderr)
            continue
        cases_by_file[display_path(path)] = load_cases(path)
    if not cases_by_file:
        print("error: no case files to run", file=sys.stderr)
        return 2
    command = command_line("bot")

    status = 0
    if not getattr(args, "no_e2e", False):
        status = run_end_to_end(cases_by_file, args.url)
        if status:
            return status

    single_thread()
    print("\nBuilding the retrieval index in process (data/faq, config.yml) ...", flush=True)
    index = build_index()
    rows: list[tuple[str, str, RetrievalMetrics]] = []
    selected = {name: retrieval_cases(cases) for name, cases in cases_by_file.items()}
    for name, cases in selected.items():
        gots = run_ranker(index, cases, "hybrid")
        rows.append((name, "hybrid (config.yml)", report_retrieval(name, "hybrid, config.yml thresholds", cases, gots)))

    if args.peers:
        calibration_file = Path(getattr(args, "calibration", None) or CALIBRATION_FILE)
        if not calibration_file.exists():
            print(f"warning: calibration set {display_path(calibration_file)} is missing; calibrating on "
                  f"{display_path(DEV_FILE)} instead", file=sys.stderr)
            calibration_file = DEV_FILE
        calibration_cases = retrieval_cases(load_cases(calibration_file))
        features = compute_features(index, [c.text for c in calibration_cases])
        print(f"\n== Peers: thresholds calibrated on {display_path(calibration_file)} "
              f"({sum(c.in_scope for c in calibration_cases)} in-scope, {sum(c.out_of_scope for c in calibration_cases)} "
              f"out-of-scope cases) by the grid search of benchmarks/calibrate.py")
        peer_rows: dict[str, list[tuple[str, str, RetrievalMetrics]]] = {}
        for mode, label in (("hybrid", "hybrid (calibrated now)"), ("lexical", "lexical only"), ("dense", "dense only")):
            cal = calibrate(index, calibration_cases, mode, features)
            if not cal.feasible:
                print(f"{label}: no setting keeps out-of-scope answers <= {MAX_OOS_ANSWERED:.0%}; using config.yml's bands")
            print(f"{label}: {describe_values(cal.values)}")
            view = with_settings(index, cal.settings(index.settings))
            for name, cases in selected.items():
                gots = run_ranker(view, cases, mode)
                metrics = report_retrieval(name, label, cases, gots, show_misses=(mode != "hybrid"))
                peer_rows.setdefault(name, []).append((name, label, metrics))
        try:
            rs_gots, rs_status = run_response_selector(selected)
            print(f"\nRasa ResponseSelector peer: {rs_status}")
            for name, cases in selected.items():
                metrics = report_retrieval(name, "Rasa ResponseSelector (retrieval intent faq)", cases, rs_gots[name])
                peer_rows.setdefault(name, []).append((name, "Rasa ResponseSelector", metrics))
        except RuntimeError as exc:
            print(f"\nRasa ResponseSelector peer failed: {exc}", file=sys.stderr)
            status = 1
        merged = []
        for name in selected:
            merged += [r for r in rows if r[0] == name] + peer_rows.get(name, [])
        rows = merged

    print("\n== Retrieval-only comparison (same cases, same run; latency per question on 1 thread)")
    print_table(rows)
    print_footer(command)
    return status

"""From stance tags to state scores, dispersion, polarisation, tendencies and the track verdict (codebook §4).

For a period and a dimension: each member state (from its joining year) with at least `min_passages`
stance tags gets a score, the confidence-weighted mean of its stance values (−2, −1, +1, +2), with an
interval from a bootstrap that resamples documents (a document's passages move together). Across the
scored states: the standard deviation of the scores and the ordinal measures of the pooled distribution
(dispersion); the Esteban–Ray index, the camp rule and the bimodality coefficient (polarisation). The
tendency is `polarised` when the camp rule holds, `consistent` when the standard deviation is at most
`consistency_sd`, else `diverse`; the verdict is `same-track` when all three dimensions are consistent,
`derailed` when all three are polarised, else `multi-track` — or none, with the reason, when a dimension
has fewer than `min_states` scored states. The verdict's probability is the share of bootstrap replicates
that give the same verdict.

Undated documents count: in the all-years period (and in `analyze`, which pools every passage it is given),
never in a year's; `by_period` lists them apart as the `undated` period, which gets no verdict. Their tags
cannot be checked against a state's joining year, so they count for the states that are members today.

Whom a stance is about (codebook §3a): the scores, tendencies and verdict read the stances towards the SCO
(with `dyadic_in_sco`, those towards other members too). The stances of members towards each other make
the **relations matrix** of a period and dimension (`relations`): for each ordered pair (holder → object) of
states that are members in the tag's year, the confidence-weighted mean stance, n, documents, a bootstrap
interval (documents resampled) and the passages behind it. A cell with fewer than `min_passages` tags is
reported but not scored (as a state score would not be); the dyads that weigh most on divergence are the
scored ones with the largest confidence-weighted negative mass (the sum of confidence × |value| over
negative and opposed tags).

Every number traces back: a state score carries the passages that weigh most (document, date, source).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from pipeline.analysis import measures
from pipeline.codebook import DIMENSIONS, MEMBERS, SCO, STANCE_VALUE
from pipeline.config import AggregateConfig

VALUES = tuple(sorted(v for v in STANCE_VALUE.values() if v is not None))  # the stance scale: −2, −1, +1, +2
UNDATED = "undated"  # the period of tags whose document has no date
UNDATED_NOTE = "undated documents: counted in the all-years figures only (for today's members); no verdict"


def level(score: float) -> str:
    """The nearest stance level of a score; a score of 0 (between −1 and +1) reads as `limited`."""
    if score >= 1.5:
        return "positive"
    if score >= 0:
        return "limited"
    if score >= -1.5:
        return "negative"
    return "opposed"


@dataclass
class Tags:
    """Stance tags of one period as arrays (one row per tag; `none` tags dropped)."""

    doc: np.ndarray  # document index
    state: np.ndarray  # state code
    dim: np.ndarray  # dimension
    value: np.ndarray  # −2, −1, +1, +2
    weight: np.ndarray  # confidence
    rows: list[dict] = field(default_factory=list)  # the source rows, for evidence


def in_scope(row: dict, scope: str) -> bool:
    if scope == "all":
        return True
    members = [s for s in row.get("mention_states", []) if s in MEMBERS]
    return bool(row["relevant"]) or len(members) >= 2


def towards_sco(row: dict) -> bool:
    return (row.get("object") or SCO) == SCO


def select(rows: list[dict], config: AggregateConfig, years: tuple[int, int] | None = None) -> list[dict]:
    """Stance tags of member states towards the SCO (with `dyadic_in_sco`, towards other members too) from
    their joining year, in scope and in the period. Undated tags count for today's members, and only when no
    period is asked for: they cannot be placed in one."""
    out = []
    for r in rows:
        if r["state"] not in MEMBERS or not (config.dyadic_in_sco or towards_sco(r)):
            continue
        if r["year"] is not None and r["year"] < MEMBERS[r["state"]].member_since:
            continue
        if years and (r["year"] is None or not (years[0] <= r["year"] <= years[1])):
            continue
        if counts(r, config):
            out.append(r)
    return out


def counts(row: dict, config: AggregateConfig) -> bool:
    """A stance tag (not `none`) in scope, and certain enough when uncertain tags are left out."""
    if row["stance"] == "none" or row["score"] is None:
        return False
    if not config.include_uncertain and row["uncertain"]:
        return False
    return in_scope(row, config.scope)


def reported_apart(rows: list[dict], config: AggregateConfig) -> dict[str, dict]:
    """Stance tags in scope of states that were not (yet) members in their year: counted, never scored."""
    out: dict[str, dict] = {}
    for r in rows:
        if r["stance"] == "none" or r["score"] is None or not in_scope(r, config.scope):
            continue
        if not (config.dyadic_in_sco or towards_sco(r)):
            continue
        state = MEMBERS.get(r["state"])
        if state is None or (r["year"] is not None and r["year"] < state.member_since):
            entry = out.setdefault(r["state"], {"n": 0, "reason": "not a member" if state is None else
                                                f"a member only from {state.member_since}"})
            entry["n"] += 1
    return out


def to_arrays(rows: list[dict]) -> Tags:
    docs = {d: i for i, d in enumerate(sorted({r["doc_id"] for r in rows}))}
    return Tags(doc=np.array([docs[r["doc_id"]] for r in rows], dtype=int),
                state=np.array([r["state"] for r in rows], dtype=object),
                dim=np.array([r["dimension"] for r in rows], dtype=object),
                value=np.array([r["score"] for r in rows], dtype=float),
                weight=np.array([max(r["confidence"], 1e-6) for r in rows], dtype=float),
                rows=rows)


def _scores(t: Tags, take: np.ndarray, config: AggregateConfig) -> dict[str, dict[str, dict]]:
    """dimension -> state -> {score, n, distribution}, for the tag indices `take` (with repeats)."""
    out: dict[str, dict[str, dict]] = {d: {} for d in DIMENSIONS}
    if len(take) == 0:
        return out
    dims, states, values, weights = t.dim[take], t.state[take], t.value[take], t.weight[take]
    for d in DIMENSIONS:
        in_d = dims == d
        for s in np.unique(states[in_d]):
            sel = in_d & (states == s)
            n = int(sel.sum())
            w, v = weights[sel], values[sel]
            dist = [float(w[v == x].sum() / w.sum()) for x in VALUES]
            out[d][str(s)] = {"score": float((w * v).sum() / w.sum()), "n": n, "distribution": dist}
    return out


def _dimension(scores: dict[str, dict], config: AggregateConfig) -> dict:
    """Dispersion, polarisation and tendency of one dimension from its state scores (all states given)."""
    scored = {s: v for s, v in scores.items() if v["n"] >= config.min_passages}
    values = np.array([v["score"] for v in scored.values()])
    out: dict = {"scored": sorted(scored), "tendency": None, "dispersion": {}, "polarisation": {}}
    if not scored:
        out["reason"] = "no state has enough stance tags"
        return out
    pooled = np.mean([v["distribution"] for v in scored.values()], axis=0)
    out["dispersion"] = {
        "sd": float(values.std()),
        "leik": measures.leik(pooled),
        "agreement_a": measures.van_der_eijk(pooled),
        "tastle_wierman": measures.tastle_wierman(pooled),
        "pooled_distribution": dict(zip(("opposed", "negative", "limited", "positive"),
                                        (float(x) for x in pooled), strict=True)),
    }
    camp = measures.camps(dict(zip(scored, values, strict=True)), share=config.camp_share)
    out["polarisation"] = {
        "esteban_ray": measures.esteban_ray(values, alpha=config.er_alpha),
        "alpha": config.er_alpha,
        "bimodality": measures.bimodality_coefficient(values),
        **camp,
    }
    if len(scored) < config.min_states:
        out["reason"] = f"only {len(scored)} scored state(s), {config.min_states} needed for a tendency"
        return out
    if camp["holds"]:
        out["tendency"] = "polarised"
    elif values.std() <= config.consistency_sd:
        out["tendency"] = "consistent"
    else:
        out["tendency"] = "diverse"
    return out


def tendency(values: np.ndarray, config: AggregateConfig) -> str | None:
    """The tendency of a dimension from the scores of its scored states (what `_dimension` decides, without
    the descriptive measures: the bootstrap needs only this)."""
    n = len(values)
    if n < config.min_states:
        return None
    # the codebook's camp rule, as in `measures.camps`
    if (values >= 1.0).sum() >= config.camp_share * n and (values <= -1.0).sum() >= config.camp_share * n:
        return "polarised"
    return "consistent" if values.std() <= config.consistency_sd else "diverse"


class _Groups:
    """Confidence-weighted state scores per dimension for any multiset of tag indices, by counting
    (`np.bincount`) over (dimension, state) cells instead of selecting rows state by state."""

    def __init__(self, t: Tags):
        self.states = sorted({str(s) for s in t.state})
        index = {s: i for i, s in enumerate(self.states)}
        dims = {d: i for i, d in enumerate(DIMENSIONS)}
        d = np.array([dims.get(x, -1) for x in t.dim], dtype=int)
        s = np.array([index[str(x)] for x in t.state], dtype=int)
        self.keep = d >= 0
        self.cell = np.where(self.keep, d * len(self.states) + s, 0)
        self.weight, self.weighted = t.weight, t.weight * t.value
        self.shape = (len(DIMENSIONS), len(self.states))

    def scores(self, take: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        take = take[self.keep[take]]
        size = self.shape[0] * self.shape[1]
        cell = self.cell[take]
        n = np.bincount(cell, minlength=size).reshape(self.shape)
        w = np.bincount(cell, weights=self.weight[take], minlength=size).reshape(self.shape)
        wv = np.bincount(cell, weights=self.weighted[take], minlength=size).reshape(self.shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, wv / np.where(w > 0, w, 1), np.nan), n


def verdict_of(tendencies: dict[str, str | None]) -> str | None:
    if any(t is None for t in tendencies.values()):
        return None
    if all(t == "consistent" for t in tendencies.values()):
        return "same-track"
    if all(t == "polarised" for t in tendencies.values()):
        return "derailed"
    return "multi-track"


def analyse(rows: list[dict], config: AggregateConfig | None = None) -> dict:
    """The report for one period from its (already selected) stance tag rows."""
    config = config or AggregateConfig()
    t = to_arrays(rows)
    everything = np.arange(len(rows))
    point = _scores(t, everything, config)
    dims = {d: _dimension(point[d], config) for d in DIMENSIONS}
    verdict = verdict_of({d: dims[d]["tendency"] for d in DIMENSIONS})

    # bootstrap: resample documents with replacement; a document's tags move together
    rng = np.random.default_rng(config.seed)
    n_docs = int(t.doc.max()) + 1 if len(rows) else 0
    by_doc = [np.flatnonzero(t.doc == i) for i in range(n_docs)]
    groups = _Groups(t)
    boot_scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    boot_verdicts: list[str | None] = []
    boot_tendency: dict[str, list[str | None]] = defaultdict(list)
    for _ in range(config.bootstrap if n_docs else 0):
        pick = rng.integers(0, n_docs, n_docs)
        take = np.concatenate([by_doc[i] for i in pick])
        scores, counts = groups.scores(take)
        rep_dims = {}
        for di, d in enumerate(DIMENSIONS):
            present = counts[di] > 0
            for si in np.flatnonzero(present):
                boot_scores[(d, groups.states[si])].append(float(scores[di, si]))
            rep_dims[d] = tendency(scores[di, counts[di] >= config.min_passages], config)
            boot_tendency[d].append(rep_dims[d])
        boot_verdicts.append(verdict_of(rep_dims))

    report_dims = {}
    for d in DIMENSIONS:
        states, not_scored = {}, {}
        for s, v in sorted(point[d].items()):
            draws = boot_scores.get((d, s), [])
            entry = {"score": round(v["score"], 4), "level": level(v["score"]), "n": v["n"],
                     "documents": len({t.rows[i]["doc_id"] for i in np.flatnonzero((t.state == s) & (t.dim == d))}),
                     "distribution": dict(zip(("opposed", "negative", "limited", "positive"),
                                              (round(x, 4) for x in v["distribution"]), strict=True)),
                     "interval": [round(float(np.percentile(draws, 2.5)), 4),
                                  round(float(np.percentile(draws, 97.5)), 4)] if draws else [None, None],
                     "evidence": _evidence(t, s, d, config.evidence)}
            (states if v["n"] >= config.min_passages else not_scored)[s] = entry
        tend_draws = boot_tendency.get(d, [])
        report_dims[d] = {
            "tendency": dims[d]["tendency"],
            "tendency_probability": _share(tend_draws, dims[d]["tendency"]),
            "dispersion": _rounded(dims[d]["dispersion"]),
            "polarisation": _rounded(dims[d]["polarisation"]),
            "states": states,
            "not_scored": {s: {"n": v["n"], "reason": f"fewer than {config.min_passages} stance tags"}
                           for s, v in not_scored.items()},
            **({"reason": dims[d]["reason"]} if "reason" in dims[d] else {}),
        }
    reasons = [f"{d}: {report_dims[d]['reason']}" for d in DIMENSIONS
               if report_dims[d]["tendency"] is None and "reason" in report_dims[d]]
    return {
        "verdict": verdict,
        "verdict_probability": _share(boot_verdicts, verdict) if verdict else 0.0,
        "verdict_distribution": {str(k): round(boot_verdicts.count(k) / len(boot_verdicts), 4)
                                 for k in sorted(set(boot_verdicts), key=str)} if boot_verdicts else {},
        "evidence_note": ("not enough evidence for a verdict: " + "; ".join(reasons)) if verdict is None else
                         None,
        "documents": n_docs,
        "tags": len(rows),
        "dimensions": report_dims,
        "config": config.as_dict(),
    }


def _share(draws: list, value) -> float:
    return round(sum(x == value for x in draws) / len(draws), 4) if draws and value is not None else 0.0


def _rounded(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, float):
            out[k] = round(v, 4)
        elif isinstance(v, dict):
            out[k] = _rounded(v)
        else:
            out[k] = v
    return out


def evidence_row(r: dict) -> dict:
    """A passage behind a score: what it says, with its document, date and source."""
    return {"passage_id": r["passage_id"], "doc_id": r["doc_id"], "date": r["date"], "source": r["source"],
            "title": r["title"], "text": r["text"], "stance": r["stance"],
            "confidence": round(float(r["confidence"]), 4), "reviewed": bool(r.get("reviewed"))}


def _evidence(t: Tags, state: str, dim: str, k: int) -> list[dict]:
    """The passages that weigh most on a state score: highest confidence first, then strongest stance."""
    idx = np.flatnonzero((t.state == state) & (t.dim == dim))
    order = sorted(idx, key=lambda i: (-t.weight[i], -abs(t.value[i]), t.rows[i]["passage_id"]))
    out, seen = [], set()
    for i in order:
        r = t.rows[i]
        if r["passage_id"] in seen:
            continue
        seen.add(r["passage_id"])
        out.append(evidence_row(r))
        if len(out) == k:
            break
    return out


# -- the relations matrix ---------------------------------------------------------------------------------

def dyadic(rows: list[dict], config: AggregateConfig) -> list[dict]:
    """Stance tags of a member towards another member, both members in the tag's year (undated: members
    today), in scope."""
    out = []
    for r in rows:
        obj = r.get("object") or SCO
        if obj == r["state"] or r["state"] not in MEMBERS or obj not in MEMBERS:  # SCO is no member
            continue
        if r["year"] is not None and r["year"] < max(MEMBERS[r["state"]].member_since, MEMBERS[obj].member_since):
            continue
        if counts(r, config):
            out.append(r)
    return out


def relations(rows: list[dict], config: AggregateConfig, heaviest: int = 5) -> dict:
    """The relations matrix of one period from its tag rows (any object): dimension -> {"cells": [...],
    "heaviest": [...]}; each cell a (holder, object) pair with its confidence-weighted mean stance, level, n,
    documents, a 95% bootstrap interval over documents, the negative mass and the passages behind it."""
    chosen = dyadic(rows, config)
    rng = np.random.default_rng(config.seed)
    out: dict[str, dict] = {}
    for d in DIMENSIONS:
        cells = []
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in chosen:
            if r["dimension"] == d:
                groups[(r["state"], r.get("object") or SCO)].append(r)
        for (holder, obj), rs in sorted(groups.items()):
            v = np.array([r["score"] for r in rs], dtype=float)
            w = np.array([max(r["confidence"], 1e-6) for r in rs], dtype=float)
            docs = sorted({r["doc_id"] for r in rs})
            index = {doc: i for i, doc in enumerate(docs)}
            by_doc = [[] for _ in docs]
            for k, r in enumerate(rs):
                by_doc[index[r["doc_id"]]].append(k)
            draws = []
            for _ in range(config.bootstrap if len(docs) > 1 else 0):
                take = np.concatenate([by_doc[i] for i in rng.integers(0, len(docs), len(docs))]).astype(int)
                draws.append(float((w[take] * v[take]).sum() / w[take].sum()))
            score = float((w * v).sum() / w.sum())
            seen, evidence = set(), []
            for k in sorted(range(len(rs)), key=lambda k: (-w[k], -abs(v[k]), rs[k]["passage_id"])):
                r = rs[k]
                if r["passage_id"] in seen:
                    continue
                seen.add(r["passage_id"])
                evidence.append(evidence_row(r))
                if len(evidence) == config.evidence:
                    break
            cells.append({"holder": holder, "object": obj, "score": round(score, 4), "level": level(score),
                          "n": len(rs), "documents": len(docs), "scored": len(rs) >= config.min_passages,
                          "interval": [round(float(np.percentile(draws, 2.5)), 4),
                                       round(float(np.percentile(draws, 97.5)), 4)] if draws else [None, None],
                          "negative_mass": round(float((w * np.clip(-v, 0, None)).sum()), 4),
                          "evidence": evidence})
        weighing = sorted((c for c in cells if c["scored"] and c["negative_mass"] > 0),
                          key=lambda c: (-c["negative_mass"], c["score"], c["holder"], c["object"]))
        out[d] = {"cells": cells, "heaviest": [{k: c[k] for k in ("holder", "object", "score", "n", "documents",
                                                                    "negative_mass")} for c in weighing[:heaviest]]}
    return out


def undated_counts(rows: list[dict], config: AggregateConfig) -> dict:
    """How many documents and stance tags without a date `rows` hold among those `select` keeps (no period)."""
    undated = [r for r in select(rows, config) if r["year"] is None]
    return {"documents": len({r["doc_id"] for r in undated}), "tags": len(undated)}


def by_period(rows: list[dict], config: AggregateConfig | None = None, by: str = "year",
              years: tuple[int, int] | None = None, window: int = 3) -> dict:
    """Reports per year (by="year") or for all years together (by="all"), from all tag rows of a store.

    Undated tags count in the all-years report (unless `years` restricts it) and, by year, make the
    `undated` period: its scores and evidence, no tendency and no verdict. The all-years report's `undated`
    says how many there are and whether they were counted."""
    config = config or AggregateConfig()
    in_years = [r for r in rows if not years or (r["year"] is not None and years[0] <= r["year"] <= years[1])]
    chosen = select(in_years, config)
    if by in ("summit", "window"):
        return _other_periods(rows, in_years, chosen, config, by, window)
    if by == "all":
        return {"all": {**analyse(chosen, config), "languages": languages(chosen),
                        "reported_apart": reported_apart(in_years, config),
                        "relations": relations(in_years, config),
                        "undated": {**undated_counts(rows, config), "counted": not years}}}
    groups: dict[int, list[dict]] = defaultdict(list)
    for r in chosen:
        if r["year"] is not None:
            groups[r["year"]].append(r)
    apart: dict[int | None, list[dict]] = defaultdict(list)
    for r in in_years:
        apart[r["year"]].append(r)
    out = {str(y): {**analyse(groups[y], config), "reported_apart": reported_apart(apart[y], config),
                    "relations": relations(apart[y], config)}
           for y in sorted(groups)}
    out = with_pooling(out, chosen, config, years)
    by_year: dict[str, list[dict]] = defaultdict(list)
    for r in chosen:
        by_year[UNDATED if r["year"] is None else str(r["year"])].append(r)
    for period, rep in out.items():  # what each period rests on, by language
        rep["languages"] = languages(by_year.get(period, []))
    undated = [r for r in chosen if r["year"] is None]
    if undated:
        out[UNDATED] = {**_without_verdict(analyse(undated, config)),
                        "reported_apart": reported_apart(apart[None], config),
                        "relations": relations(apart[None], config)}
    return out


NO_TAGS_NOTE = "no stance tags this year"


def _other_periods(rows: list[dict], in_years: list[dict], chosen: list[dict], config: AggregateConfig, by: str,
                   window: int) -> dict[str, dict]:
    """Reports per summit period (`summits.py`) or per rolling window of `window` years (named "2015–2017",
    one per end year), each estimated on its own (the pooled model is yearly)."""
    from pipeline.analysis.summits import summit_period

    def periods_of(r: dict) -> list[str]:
        if by == "summit":
            p = summit_period(r.get("date"), r["year"])
            return [p] if p else []
        if r["year"] is None:
            return []
        return [f"{end - window + 1}–{end}" for end in range(r["year"], r["year"] + window)]

    groups: dict[str, list[dict]] = defaultdict(list)
    apart: dict[str, list[dict]] = defaultdict(list)
    for r in chosen:
        for p in periods_of(r):
            groups[p].append(r)
    for r in in_years:
        for p in periods_of(r):
            apart[p].append(r)
    last = max((r["year"] for r in chosen if r["year"] is not None), default=None)
    keep = sorted(p for p in groups if by == "summit" or last is None or int(p.rsplit("–", 1)[1]) <= last)
    return {p: {**analyse(groups[p], config), "reported_apart": reported_apart(apart[p], config),
                "relations": relations(apart[p], config), "languages": languages(groups[p])} for p in keep}


def languages(rows: list[dict]) -> dict[str, dict[str, int]]:
    """language -> {documents, tags} of stance tag rows."""
    out: dict[str, dict] = {}
    for r in rows:
        entry = out.setdefault(r.get("lang") or "?", {"documents": set(), "tags": 0})
        entry["documents"].add(r["doc_id"])
        entry["tags"] += 1
    return {lang: {"documents": len(v["documents"]), "tags": v["tags"]} for lang, v in sorted(out.items())}


def with_pooling(out: dict[str, dict], chosen: list[dict], config: AggregateConfig,
                 years: tuple[int, int] | None) -> dict[str, dict]:
    """The yearly reports with the pooled estimate (`pooling.pooled_reports`) of every year from 2001 (or
    `years`) to the last year with tags: each report keeps its own estimate under "unpooled" and gets
    "pooled"; its verdict, probability and distribution are those of `config.pooling`."""
    from pipeline.analysis.pooling import pooled_reports

    pooled = pooled_reports(chosen, config, *(years or (None, None))) if config.pooling == "time" else {}
    merged: dict[str, dict] = {}
    for year in sorted({*out, *pooled}, key=lambda p: (not p.isdigit(), p)):
        rep = out.get(year) or {**analyse([], config), "evidence_note": NO_TAGS_NOTE,
                                "reported_apart": {}, "relations": relations([], config)}
        own = {k: rep[k] for k in ("verdict", "verdict_probability", "verdict_distribution", "evidence_note")}
        if year in pooled:
            p = pooled[year]
            rep = {**rep, "unpooled": own, "pooled": p, "verdict": p["verdict"],
                   "verdict_probability": p["verdict_probability"], "verdict_distribution": p["verdict_distribution"],
                   "evidence_note": None if p["verdict"] else
                   f"not enough evidence for a verdict, even pooled across years: a dimension has fewer than "
                   f"{config.min_states} states estimated within sd {config.max_sd}"}
        else:
            rep = {**rep, "unpooled": own}
        merged[year] = rep
    return merged


def _without_verdict(report: dict) -> dict:
    """A report of documents that are no period (the undated ones): scores and evidence, no tendency, no
    verdict."""
    for dim in report["dimensions"].values():
        dim.update(tendency=None, tendency_probability=0.0, reason="undated documents are no period")
    return {**report, "verdict": None, "verdict_probability": 0.0, "verdict_distribution": {},
            "evidence_note": UNDATED_NOTE}

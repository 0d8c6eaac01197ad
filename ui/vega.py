"""An Altair chart as the Vega-Lite spec Streamlit draws, converted once per process.

``st.altair_chart`` converts every chart on every rerun: ``chart.to_dict()`` validates the
whole spec against the Vega-Lite JSON schema (a quarter of a page view's server time), under
a process-wide lock (``_altair_globals_lock`` in ``streamlit/elements/vega_charts.py``), so
concurrent sessions convert their charts one at a time. ``vega_lite_spec`` makes the same spec
without that: the chart's frame goes to Streamlit as an Arrow dataset, Altair's default theme
is left out (as ``st.altair_chart`` does), the spec is not validated again (the chart tests
validate every builder's spec) and no global Altair setting is touched, so no lock is needed.

The finished spec is kept for the chart it came from: a chart is fingerprinted by pickling it
with each frame replaced by a digest of its columns, types, index and values (about 0,5 ms),
so the same chart for the same data and language (titles, tooltips and locale are in the
chart) is converted once per process, whichever session asks. ``ui.sections.chart_with_data``
draws the spec with ``st.vega_lite_chart``.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import narwhals.stable.v1 as nw
import pandas as pd
from streamlit import dataframe_util

SPEC_CACHE_SIZE = 512  # finished specs kept (LRU); a page draws 4-7 charts, a spec is ~10 kB
BUILT_CACHE_SIZE = 512  # the same, by the builder and its arguments (charts not built again)
SPEC_CACHE_BYTES = 64 * 2**20  # and at most this much JSON and Arrow each (national-scale data)
FRAME_PREFIX = "frame-"  # the name of a chart's dataset: FRAME_PREFIX + the frame's digest
COMPOSITIONS = ("layer", "hconcat", "vconcat", "concat")  # views holding views


@dataclass(frozen=True)
class Converted:
    """A finished spec: its JSON without data, the frames as Arrow, its selection names."""

    spec_json: str
    datasets: dict[str, bytes]
    selections: frozenset[str]

    @property
    def weight(self) -> int:
        """Bytes held: the JSON and the Arrow data."""
        return len(self.spec_json) + sum(len(data) for data in self.datasets.values())

    def spec(self) -> dict[str, Any]:
        """A fresh spec dict (Streamlit edits the one it is given) with its datasets."""
        spec: dict[str, Any] = json.loads(self.spec_json)
        if self.datasets:
            spec["datasets"] = {**spec.get("datasets", {}), **self.datasets}
        return spec


@dataclass(frozen=True)
class Built:
    """A chart to build only if its spec is not known yet: ``builder(*args, **kwargs)``.

    ``builder`` is a pure chart builder of ``charts`` (frames and settings in, a chart out,
    nothing else read), so its arguments decide the chart: the same arguments (frames compared
    by their values) give the spec made the first time, without building the chart again.
    """

    builder: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Any:
        return self.builder(*self.args, **self.kwargs)


def built(builder: Callable[..., Any], *args: Any, **kwargs: Any) -> Built:
    """``builder(*args, **kwargs)``, built only when its spec is not cached: for
    ``ui.sections.chart_with_data(built(ch.amount_by_month, monthly(), lang), ...)``."""
    return Built(builder, args, kwargs)


class Lru:
    """A small thread-safe least-recently-used map, bounded in entries and in bytes (each
    value's weight is given when it is put); the lock guards only the dict."""

    def __init__(self, size: int, max_bytes: int) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: Any, value: Any, weight: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[key] = (value, weight)
            self.bytes += weight
            while self._items and (len(self._items) > self.size or self.bytes > self.max_bytes):
                self.bytes -= self._items.popitem(last=False)[1][1]

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


_specs = Lru(SPEC_CACHE_SIZE, SPEC_CACHE_BYTES)
_built = Lru(BUILT_CACHE_SIZE, SPEC_CACHE_BYTES)
conversions = 0  # how many charts were converted (tests count it)


def frame_digest(frame: pd.DataFrame) -> str:
    """A digest of what a chart can show of ``frame``: columns, types, index and values."""
    content = (
        [repr(c) for c in frame.columns],
        [repr(dtype) for dtype in frame.dtypes],
        repr(frame.index.dtype),
        frame.index.tolist(),
        [column.tolist() for _, column in frame.items()],
    )
    return hashlib.blake2b(pickle.dumps(content, protocol=5), digest_size=16).hexdigest()


class _Fingerprint(pickle.Pickler):
    """Pickles a chart with each DataFrame replaced by its digest (pickling a frame itself
    is not stable: equal frames pickle differently with Arrow-backed text)."""

    def __init__(self, buffer: io.BytesIO) -> None:
        super().__init__(buffer, protocol=5)
        self.frames: dict[int, tuple[str, pd.DataFrame]] = {}
        self.references = 0  # places a frame was met (the same frame twice counts twice)

    def persistent_id(self, obj: Any) -> str | None:
        if not isinstance(obj, pd.DataFrame):
            return None
        self.references += 1
        known = self.frames.get(id(obj))
        if known is None:
            known = self.frames[id(obj)] = (FRAME_PREFIX + frame_digest(obj), obj)
        return known[0]


def fingerprint(value: Any) -> tuple[str, dict[int, tuple[str, pd.DataFrame]], int]:
    """The cache key of a chart (or a builder's arguments), the frames in it ({id: (dataset
    name, frame)}) and how many places hold a frame."""
    buffer = io.BytesIO()
    pickler = _Fingerprint(buffer)
    pickler.dump(value)
    key = hashlib.blake2b(buffer.getbuffer(), digest_size=20).hexdigest()
    return key, pickler.frames, pickler.references


def selection_names(spec: dict[str, Any]) -> frozenset[str]:
    """The names of the spec's selection parameters, at any depth (as Streamlit finds them)."""

    def views(view: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield view
        for key in COMPOSITIONS:
            for child in view.get(key) or []:
                if isinstance(child, dict):
                    yield from views(child)
        if isinstance(view.get("spec"), dict):
            yield from views(view["spec"])

    return frozenset(
        param["name"]
        for view in views(spec)
        for param in view.get("params") or []
        if isinstance(param, dict) and param.get("name") and param.get("select")
    )


def _convert(chart: Any, name: str | None) -> Converted:
    """Altair's ``to_dict`` without validation, theme or data transformer (all global)."""
    global conversions
    data = chart.data if name is not None else None
    bare = chart.copy(deep=False)
    context: dict[str, Any] = {"top_level": False, "datasets": {}}
    datasets: dict[str, bytes] = {}
    if data is not None and name is not None:
        bare.data = alt.Undefined
        # the frame stays in the context, so that Altair infers a field's type from it
        context["data"] = nw.from_native(data, eager_or_interchange_only=True)
        datasets[name] = dataframe_util.convert_anything_to_arrow_bytes(data)
    spec: dict[str, Any] = bare.to_dict(validate=False, context=context)
    if name is not None:
        spec["data"] = {"name": name}
    spec.setdefault("$schema", alt.SCHEMA_URL)
    if alt.theme.active not in ("default", "none"):  # st.altair_chart applies any other theme
        theme = alt.theme.get()
        if theme is not None:
            spec = dict(alt.utils.update_nested(dict(theme()), spec, copy=True))
    if context["datasets"]:  # inline values Altair moved out of the spec (not from a frame)
        spec["datasets"] = context["datasets"]
    conversions += 1
    return Converted(json.dumps(spec), datasets, selection_names(spec))


def vega_lite_spec(chart: Any) -> Converted | None:
    """``chart`` converted as ``st.altair_chart`` would, from the cache when already done.

    None when the chart is not one this path handles (data other than one DataFrame on the
    top-level chart, or a chart that cannot be pickled): draw it with ``st.altair_chart``.
    """
    if not isinstance(chart, alt.TopLevelMixin):
        return None
    try:
        key, frames, references = fingerprint(chart)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    data = getattr(chart, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        if list(frames) != [id(data)] or references != 1:
            return None  # a layer or a panel with data of its own
        name: str | None = frames[id(data)][0]
    elif data is alt.Undefined and not frames:
        name = None
    else:
        return None
    found: Converted | None = _specs.get(key)
    if found is None:
        found = _convert(chart, name)
        _specs.put(key, found, found.weight)
    return found


def spec_of(chart: Any) -> tuple[Converted | None, Any]:
    """The spec of ``chart`` (an Altair chart or a ``Built``) and the chart when one was
    built: (spec, chart); (None, chart) for a chart ``vega_lite_spec`` leaves to Streamlit."""
    if not isinstance(chart, Built):
        return vega_lite_spec(chart), chart
    try:
        # the function's id too: a module reloaded while developing gives new functions
        inputs = (chart.builder, id(chart.builder), chart.args, sorted(chart.kwargs.items()))
        key = fingerprint(inputs)[0]
    except (pickle.PicklingError, TypeError, AttributeError):
        key = None  # e.g. a lambda: build it every time
    found: Converted | None = _built.get(key) if key is not None else None
    if found is not None:
        return found, None
    made = chart.build()
    found = vega_lite_spec(made)
    if found is not None and key is not None:
        _built.put(key, found, found.weight)
    return found, made


def clear() -> None:
    """Forget every converted spec (tests)."""
    _specs.clear()
    _built.clear()

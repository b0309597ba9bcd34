"""``drum-testing score``: scoring a file without a server, written as DRUM's ``drum score``.

A structured model's input goes through what ``/predict/`` does with a request body (the
model's ``read_input_data`` hook, or DRUM's CSV reading, or Matrix Market for a ``.mtx``
file), then :meth:`Model.predict <drum_testing.model.model.Model.predict>`; an unstructured
model's through what ``/predictUnstructured/`` does (text decoded with its charset, then
``score_unstructured``, its answer encoded the same way). What is written is what DRUM 1.18
writes:

- structured: ``DataFrame.to_csv(index=False)`` of the predictions: one ``Predictions``
  column, or one column a class label in the order the model returned them, numbers in the
  model's own dtype (``3`` for an integer, as DRUM writes it);
- unstructured: the hook's answer itself, a ``str`` encoded in its charset (utf-8 unless
  the hook says), and ``None`` as DRUM's sentence for it.

Without ``--output`` DRUM prints the result instead: a structured one as the DataFrame it
reads back from that CSV (``print(pd.read_csv(...))``), an unstructured one as text.

::

    model = Model.load(settings)
    output = score_input(model, Path("data.csv").read_bytes(), ScoreOptions())
    Path("out.csv").write_bytes(output)
"""

from __future__ import annotations

import argparse
import io
import locale
import traceback
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .config.console import fail
from .config.settings import Settings, TargetType
from .errors import ModelLoadError, ModelOutputError
from .http.content_type import ContentType
from .http.errors import RequestError
from .model.folder import check_code_dir
from .model.model import Model
from .payloads.csv_input import read_csv
from .payloads.predictions import PREDICTIONS_COLUMN, Predictions
from .payloads.structured import SPARSE_SUFFIX, read_sparse
from .payloads.unstructured import unstructured_answer, unstructured_input
from .telemetry.logs import configure_logging

COMMAND = "score"
LOAD_ERROR = 1
"""The exit status of a model that fails to load or to score."""

NONE_ANSWER = "Return value from prediction is: None (NULL in R)"
"""What DRUM writes when ``score_unstructured`` returns None."""


class InputError(Exception):
    """The input cannot be scored as given: the user's mistake, not the model's."""


@dataclass(frozen=True)
class ScoreOptions:
    """How to read the input, beside its bytes (DRUM's ``drum score`` options)."""

    sparse: bool = False
    """The input is Matrix Market (DRUM: the input file's name ends in ``.mtx``)."""
    sparse_column_names: bytes | None = None
    """The ``--sparse-column-file``'s bytes: a sparse input's column names, one a line."""
    content_type: str | None = None
    """Unstructured: the content type the data is said to have (``text/plain`` if None)."""
    query: str | None = None
    """Unstructured: the query string the hook gets as ``query`` (``a=1&b=2``)."""

    @classmethod
    def for_file(
        cls,
        path: Path,
        sparse_column_file: Path | None = None,
        content_type: str | None = None,
        query: str | None = None,
    ) -> ScoreOptions:
        """The options for an input file: sparse if its name says so, as DRUM decides."""
        names = None if sparse_column_file is None else read_file(sparse_column_file)
        return cls(path.suffix == SPARSE_SUFFIX, names, content_type, query)


def read_file(path: Path) -> bytes:
    """A file's bytes; a file that cannot be read is an :class:`InputError` naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def score_input(model: Model, data: bytes, options: ScoreOptions) -> bytes:
    """Score ``data`` with ``model``: the bytes DRUM writes to ``--output`` for it.

    Input the model cannot be given (CSV that does not parse, text that does not decode)
    raises :class:`InputError`; what the model's hooks raise propagates unchanged, and a
    model answer we cannot write raises :class:`~drum_testing.errors.ModelOutputError`.
    """
    if model.settings.target_type is TargetType.UNSTRUCTURED:
        return score_unstructured(model, data, options)
    return predictions_csv(score_structured(model, data, options))


def score_structured(model: Model, data: bytes, options: ScoreOptions) -> Predictions:
    """The predictions for a structured input, read as ``/predict/`` reads a body."""
    if not model.scores_structured:
        raise InputError(
            "this model has no score hook (and no artifact to predict with): "
            "drum score has nothing to call"
        )
    try:
        if model.reads_own_input:
            frame = model.read_input(data)  # the hook gets the file's bytes, as in DRUM
        elif options.sparse:
            frame = read_sparse(data, options.sparse_column_names)
        else:
            frame = read_csv(data, None)
    except RequestError as exc:
        raise InputError(exc.detail or exc.message.removeprefix("ERROR: ")) from None
    return model.predict(frame)


def predictions_frame(predictions: Predictions) -> pd.DataFrame:
    """The predictions as the DataFrame DRUM writes: the same columns, names and dtypes."""
    frame: pd.DataFrame
    if predictions.items is not None:
        frame = pd.DataFrame({PREDICTIONS_COLUMN: predictions.items})
    elif predictions.labels is not None:
        frame = pd.DataFrame(predictions.in_model_dtype(), columns=list(predictions.labels))
    else:
        frame = pd.DataFrame({PREDICTIONS_COLUMN: predictions.in_model_dtype()})
    if predictions.extra is not None:  # DRUM writes the extra model output beside them
        frame = frame.join(predictions.extra.reset_index(drop=True))
    return frame


def predictions_csv(predictions: Predictions) -> bytes:
    """The CSV DRUM's ``drum score`` writes, byte for byte (pandas writes both)."""
    text: str = predictions_frame(predictions).to_csv(index=False)
    return text.encode("utf-8")


def score_unstructured(model: Model, data: bytes, options: ScoreOptions) -> bytes:
    """The hook's answer for ``data``, as ``/predictUnstructured/`` reads and encodes it.

    The hook gets ``mimetype``, ``charset`` and ``query`` (DRUM's ``drum score`` sends no
    ``headers``, having no request); the query is read as DRUM reads ``--query``.
    """
    try:
        payload, mimetype, charset = unstructured_input(
            data, ContentType.parse(options.content_type)
        )
    except RequestError as exc:
        raise InputError(exc.detail or exc.message.removeprefix("ERROR: ")) from None
    query = dict(urllib.parse.parse_qsl(options.query or ""))
    result: Any = model.score_unstructured(payload, mimetype=mimetype, charset=charset, query=query)
    if result is None:
        result = NONE_ANSWER
    elif isinstance(result, tuple) and len(result) == 2 and result[0] is None:
        result = (NONE_ANSWER, result[1])
    return unstructured_answer(result)[1]


def stdout_text(output: bytes, target: TargetType) -> str:
    """What DRUM prints when no ``--output`` is given, for the ``output`` it would write.

    Structured: the DataFrame read back from the CSV, as pandas prints it. Unstructured:
    the answer read as text in the locale's encoding with universal newlines (``\\r\\n``
    becomes ``\\n``), as DRUM reads it back; bytes that do not decode are replaced (DRUM
    fails there).
    """
    if target is TargetType.UNSTRUCTURED:
        encoding = locale.getpreferredencoding(False)
        with io.TextIOWrapper(io.BytesIO(output), encoding=encoding, errors="replace") as text:
            return text.read()
    return str(pd.read_csv(io.BytesIO(output)))


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Score ``--input`` and write (or print) the result; the exit status.

    A mistake of the user's (a folder without a model, an input that cannot be read or
    parsed, an ``--output`` in no folder) is one line and exit status 2, before the model
    loads where it can be found out before; a model that fails to load or to score is its
    traceback and exit status 1.
    """
    output: Path | None = args.output
    if output is not None and not output.parent.is_dir():
        return fail(COMMAND, f"cannot write --output {output}: {output.parent} is not a folder")
    try:
        check_code_dir(settings.code_dir)
        data = read_file(args.input)
        options = ScoreOptions.for_file(
            args.input, args.sparse_column_file, args.content_type, args.query
        )
    except (ModelLoadError, InputError) as exc:
        return fail(COMMAND, str(exc))
    configure_logging(settings.logging_level, settings.log_format)
    try:
        model = Model.load(settings)
    except Exception as exc:
        traceback.print_exc()
        return fail(
            COMMAND, f"the model in {settings.code_dir} failed to load: {exc!r}", LOAD_ERROR
        )
    try:
        result = score_input(model, data, options)
    except InputError as exc:
        return fail(COMMAND, f"{args.input}: {exc}")
    except ModelOutputError as exc:
        return fail(
            COMMAND, f"the model's answer for {args.input} cannot be written: {exc}", LOAD_ERROR
        )
    except Exception as exc:
        traceback.print_exc()
        return fail(COMMAND, f"the model failed to score {args.input}: {exc!r}", LOAD_ERROR)
    if output is None:
        print(stdout_text(result, settings.target_type), flush=True)
        return 0
    try:
        output.write_bytes(result)
    except OSError as exc:
        return fail(COMMAND, f"cannot write --output {output}: {exc.strerror or exc}")
    return 0

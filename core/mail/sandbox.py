"""A Jinja sandbox with a budget: one render is bounded in time, loop iterations, calls and size.

Staff edit templates in the UI, so a template is untrusted code. Jinja's sandbox refuses Python
internals (the immutable variant also refuses changing lists and dicts), but a template could
still loop 30000 × 30000 times or build a gigabyte string, and block the server. Here:

- every `{% for %}` iterates through a counter (all loops of one render: MAX_ITERATIONS) and
  every call of a macro, function or method counts (MAX_CALLS);
- a deadline (MAX_SECONDS) is checked at every loop step, call, operator, filter and output;
- operators and filters that multiply (`*`, `**`, `%`, center, replace, join, format, …) are
  checked *before* they allocate; no value may exceed MAX_CHARS characters or MAX_ITEMS
  entries, everything produced adds up to at most MAX_PRODUCED, the output to MAX_CHARS.

An exceeded budget raises BudgetExceeded with a German sentence. The budget of the running
render lives in a ContextVar, so renders in different threads never share one.
"""
from __future__ import annotations

import functools
import math
import re
import types
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.runtime import LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from jinja2.utils import generate_lorem_ipsum
from jinja2.visitor import NodeTransformer
from markupsafe import EscapeFormatter, Markup

from core.mail.budget import (
    MAX_CHARS,
    SLACK_PER_FIELD,
    as_int,
    checked,
    current_budget,
    limit_chars,
    limit_int,
    limit_items,
    materialized,
    too_complex,
    weight,
)

LOOP_FILTER, OUT_FILTER, EMIT_FILTER, SIZE_FILTER = "_kp_loop", "_kp_out", "_kp_emit", "_kp_size"

_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def _check_printf(fmt: str, args: Any) -> None:
    """`fmt % args` stays small: widths, precisions and the longest value per field."""
    fields = _PRINTF_FIELD.findall(fmt)
    if any("*" in (width, precision) for width, precision, _kind in fields):
        raise too_complex("Breitenangaben mit * sind nicht erlaubt")
    sizes = sum(as_int(width) + as_int(precision) for width, precision, _kind in fields)
    values = (args.values() if isinstance(args, dict)
              else args if isinstance(args, tuple) else (args,))
    longest = max((weight(v) for v in values), default=0)
    limit_chars(len(fmt) + sizes + len(fields) * (longest + SLACK_PER_FIELD))


def _check_multiply(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        limit_int(left.bit_length() + right.bit_length())
        return
    for sequence, times in ((left, right), (right, left)):
        if isinstance(times, int) and isinstance(sequence, str | bytes | list | tuple):
            count = max(times, 0)
            if isinstance(sequence, list | tuple):
                limit_items(len(sequence) * count)
            limit_chars(weight(sequence) * count)


def _check_power(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        limit_int(right * math.log2(abs(left)))


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        _check_multiply(left, right)
    elif operator == "**":
        _check_power(left, right)
    elif operator == "%" and isinstance(left, str):
        _check_printf(left, right)


# --- filters ---------------------------------------------------------------------------------

def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)  # weight-checked before


def _check_replace(value: Any, old: Any, new: Any, count: Any) -> None:
    text, old, new = _text(value), _text(old), _text(new)
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    limit_chars(len(text) + hits * max(len(new) - len(old), 0))


def _check_join(items: Any, separator: Any) -> None:
    if isinstance(items, list | tuple | set | frozenset | dict | str):
        limit_chars(weight(items) + len(items) * len(_text(separator)))


def _check_indent(value: Any, args: tuple, kwargs: dict) -> None:
    width = _arg(args, kwargs, 0, "width", 4)
    per_line = len(width) if isinstance(width, str) else as_int(width)
    limit_chars(weight(value) + (_text(value).count("\n") + 1) * per_line)


def _check_wordwrap(value: Any, args: tuple, kwargs: dict) -> None:
    text = _text(value)
    width = max(as_int(_arg(args, kwargs, 0, "width", 79)), 1)
    wrap = _text(_arg(args, kwargs, 2, "wrapstring", None) or "\n")
    breaks = text.count(" ") + text.count("\n") + len(text) // width + 1
    limit_chars(len(text) + breaks * len(wrap))


def _check_urlize(value: Any, args: tuple, kwargs: dict) -> None:
    text = _text(value)
    extra = sum(len(_text(kwargs.get(name) or "")) for name in ("target", "rel")) + 64
    limit_chars(2 * len(text) + (text.count(" ") + text.count("\n") + 1) * extra)


def _check_sum(value: Any, args: tuple, kwargs: dict) -> None:
    start = _arg(args, kwargs, 1, "start", 0)
    if not isinstance(start, int | float):
        raise TypeError("sum addiert nur Zahlen")


def _check_tojson(value: Any, args: tuple, kwargs: dict) -> None:
    indent = _arg(args, kwargs, 0, "indent", None)
    size = len(indent) if isinstance(indent, str) else as_int(indent)
    if size > 16:
        raise too_complex("die Einrückung ist größer als 16")


_FILTER_CHECKS: dict[str, Callable[[Any, tuple, dict], None]] = {
    "center": lambda v, a, k: limit_chars(as_int(_arg(a, k, 0, "width", 80))),
    "format": lambda v, a, k: _check_printf(_text(v), k or a),
    "replace": lambda v, a, k: _check_replace(v, _arg(a, k, 0, "old", ""),
                                              _arg(a, k, 1, "new", ""),
                                              _arg(a, k, 2, "count")),
    "join": lambda v, a, k: _check_join(v, _arg(a, k, 0, "d", "")),
    "indent": _check_indent,
    "wordwrap": _check_wordwrap,
    "urlize": _check_urlize,
    "batch": lambda v, a, k: limit_items(as_int(_arg(a, k, 0, "linecount", 0))),
    "slice": lambda v, a, k: limit_items(as_int(_arg(a, k, 0, "slices", 0))),
    "sum": _check_sum,
    "tojson": _check_tojson,
}


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` with the budget: deadline, bounded input, pre-check, size of the result."""
    check = _FILTER_CHECKS.get(name)
    # Jinja passes the context/environment first to filters marked so (jinja_pass_arg).
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        current_budget().tick()
        value = materialized(args[skip])
        limit_chars(weight(value, MAX_CHARS + 1))
        rest = args[skip + 1:]
        if check is not None:
            check(value, rest, kwargs)
        result = func(*args[:skip], value, *rest, **kwargs)
        return result if isinstance(result, Iterator) else checked(result)

    return guarded


@pass_context
def _loop_filter(_context: Any, iterable: Any) -> Iterator[Any]:
    return _counted(iterable)


def _counted(iterable: Any) -> Iterator[Any]:
    current = current_budget()
    for item in iterable:
        current.step()
        yield item


@pass_context
def _out_filter(_context: Any, value: Any) -> Any:
    current_budget().emit(weight(value, MAX_CHARS + 1))
    return value


@pass_context
def _emit_filter(_context: Any, size: int) -> str:
    current_budget().emit(size)
    return ""


@pass_context
def _size_filter(_context: Any, value: Any) -> Any:
    return checked(value)


# --- calls -----------------------------------------------------------------------------------

def _check_expandtabs(owner: Any, args: tuple, kwargs: dict) -> None:
    tab = "\t" if isinstance(owner, str) else b"\t"
    limit_chars(len(owner) + owner.count(tab) * as_int(_arg(args, kwargs, 0, "tabsize", 8)))


def _check_translate(owner: Any, args: tuple, kwargs: dict) -> None:
    table = _arg(args, kwargs, 0, "table")
    if isinstance(table, dict):
        longest = max((weight(v) for v in table.values()), default=1)
        limit_chars(len(owner) * max(longest, 1))


def _width(owner: Any, args: tuple, kwargs: dict) -> None:
    limit_chars(as_int(_arg(args, kwargs, 0, "width", 0)))


_METHOD_CHECKS: dict[str, Callable[[Any, tuple, dict], None]] = {
    "center": _width, "ljust": _width, "rjust": _width, "zfill": _width,
    "expandtabs": _check_expandtabs,
    "replace": lambda o, a, k: _check_replace(o, _arg(a, k, 0, "old", ""),
                                              _arg(a, k, 1, "new", ""),
                                              _arg(a, k, 2, "count", -1)),
    "join": lambda o, a, k: _check_join(_arg(a, k, 0, "iterable", ()), o),
    "translate": _check_translate,
    "to_bytes": lambda o, a, k: limit_chars(as_int(_arg(a, k, 0, "length", 1))),
}


def _check_call(obj: Any, args: tuple, kwargs: dict) -> tuple:
    """Pre-checks a call; returns the arguments to use (a lazy `join` argument as a list)."""
    for value in chain(args, kwargs.values()):
        limit_chars(weight(value, MAX_CHARS + 1))
    owner = getattr(obj, "__self__", None)
    if not isinstance(obj, types.BuiltinMethodType) or not isinstance(
            owner, str | bytes | bytearray | int):
        return args
    if obj.__name__ == "join" and args:
        args = (materialized(iter(args[0])), *args[1:])
    check = _METHOD_CHECKS.get(obj.__name__)
    if check is not None:
        check(owner, args, kwargs)
    return args


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    limit_items(len(numbers))
    return numbers


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20,  # noqa: A002 - Jinja's names
                    max: int = 100) -> str:  # noqa: A002
    limit_chars(as_int(n) * as_int(max) * 12)  # at most `max` words per paragraph
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


# --- str.format --------------------------------------------------------------------------------

class _BoundedFormatter(SandboxedFormatter):
    """str.format in the sandbox with every field's width and the whole result bounded."""

    def vformat(self, format_string: str, args: Any, kwargs: Any) -> str:
        self._size = len(format_string)
        return super().vformat(format_string, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> Any:
        for digits in re.findall(r"\d+", format_spec):
            limit_chars(int(digits))
        limit_chars(weight(value, MAX_CHARS + 1))
        result = super().format_field(value, format_spec)
        self._size += len(result)
        limit_chars(self._size)
        return result


class _BoundedEscapeFormatter(_BoundedFormatter, EscapeFormatter):
    pass


# --- the environment -------------------------------------------------------------------------

class _Guards(NodeTransformer):
    """Rewrites a parsed template so loops, output and `~` report to the budget."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        node.iter = _filter(node.iter, LOOP_FILTER)
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        static = sum(len(child.data) for child in node.nodes
                     if isinstance(child, nodes.TemplateData))
        children = [child if isinstance(child, nodes.TemplateData) else
                    _filter(child, OUT_FILTER) for child in node.nodes]
        if static:
            children.insert(0, _filter(nodes.Const(static, lineno=node.lineno), EMIT_FILTER))
        node.nodes = children
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        return _filter(node, SIZE_FILTER)


def _filter(node: nodes.Expr, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with a budget; `filters` are added (guarded) to Jinja's own."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args: Any, filters: dict[str, Callable[..., Any]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters.update(filters or {})
        self.filters = {name: _guard_filter(name, func) for name, func in self.filters.items()}
        self.filters.update({LOOP_FILTER: _loop_filter, OUT_FILTER: _out_filter,
                             EMIT_FILTER: _emit_filter, SIZE_FILTER: _size_filter})
        self.globals.update(range=_bounded_range, lipsum=_bounded_lipsum)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = _Guards().visit(super()._parse(source, name, filename))
        tree.set_environment(self)
        return tree

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        current_budget().tick()
        _check_binop(operator, left, right)
        return checked(self.binop_table[operator](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any,  # noqa: N805 - Jinja's signature
             **kwargs: Any) -> Any:
        current_budget().call()
        if isinstance(__obj, LoopContext) and args:  # a recursive loop's next level
            args = (_counted(args[0]), *args[1:])
        args = _check_call(__obj, args, kwargs)
        return checked(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Jinja's sandboxed str.format / format_map, with the bounded formatter."""
        if not isinstance(value, types.MethodType | types.BuiltinMethodType) \
                or value.__name__ not in ("format", "format_map") \
                or not isinstance(value.__self__, str):
            return None
        template: str = value.__self__
        formatter: _BoundedFormatter = (
            _BoundedEscapeFormatter(self, escape=template.escape)
            if isinstance(template, Markup) else _BoundedFormatter(self))
        is_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() erwartet genau ein Argument")
                args, kwargs = (), args[0]
            current_budget().call()
            return type(template)(formatter.vformat(template, args, kwargs))

        return functools.update_wrapper(wrapper, value)

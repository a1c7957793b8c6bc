"""A dialogue as Graphviz DOT text: one shape per node, labelled edges, conditions written out.

Pure: this builds text only. Running ``dot`` on it is the command line's job.
Every piece of trainer text is cleaned and quoted, so a title or label can
never break out of its string, and the output is the same for the same input.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from bot.dialogue.expr import Call, Compare, Expr, Literal, Logic, Not, Var
from bot.dialogue.model import Branch, Choice, Dialogue, End, Message, Node, NodeId, Reflection, Text

EXCERPT = 40  # characters of a node's text shown under its id
LABEL = 40  # characters of an option label on an edge
CONDITION = 80  # characters of a condition on an edge

# node kind -> DOT attributes, with {fill} for its fill colour; the start node also gets START
STYLES: dict[type, str] = {
    Message: "shape=box, style=filled, fillcolor={fill}",
    Choice: "shape=hexagon, style=filled, fillcolor={fill}",
    Reflection: "shape=note, style=filled, fillcolor={fill}",
    Branch: "shape=diamond, style=filled, fillcolor={fill}, fontsize=10",
    End: 'shape=box, style="rounded,filled", peripheries=2, fillcolor={fill}',
}
FILLS: dict[type, str] = {
    Message: "#dbe9f6",
    Choice: "#fde9c4",
    Reflection: "#e3f1dc",
    Branch: "#eeeeee",
    End: "#f6d5d5",
}
FONT = '"Helvetica,Arial,sans-serif"'
START = 'penwidth=3, color="#1f5f99"'
LEGEND = "box: message · hexagon: choice · note: reflection · diamond: branch · double rounded box: end"


def to_dot(dialogue: Dialogue, language: str, annotations: Mapping[str, tuple[str, str]] | None = None) -> str:
    """The DOT text of ``dialogue`` with its texts in ``language``; nodes in file order.

    ``annotations`` maps a node id to an extra last line for its label and its
    fill colour (a Graphviz colour such as ``#fdd49e``; empty keeps the colour
    of its kind): how the insights draw figures on the graph. Both are plain
    text, cleaned and quoted like trainer text; ids of nodes this dialogue does
    not have are ignored. Without annotations the text is as it always was.
    """
    annotations = annotations or {}
    title = f"{_clean(dialogue.title.get(language))} ({dialogue.id} v{dialogue.version}, {language})"
    lines = [
        f"digraph {_quote(dialogue.id)} {{",
        f"  graph [label={_quote(title + chr(10) + LEGEND)}, labelloc=t, fontsize=16, fontname={FONT}];",
        f"  node [fontname={FONT}, fontsize=11];",
        f"  edge [fontname={FONT}, fontsize=9];",
    ]
    lines += [_node_line(dialogue, node, language, annotations.get(node.id)) for node in dialogue.nodes.values()]
    for node in dialogue.nodes.values():
        lines += [
            f"  {_quote(node.id)} -> {_quote(target)}" + (f" [label={_quote(label)}];" if label else ";")
            for target, label in _edges(node, language)
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node_line(dialogue: Dialogue, node: Node, language: str, annotation: tuple[str, str] | None) -> str:
    """The node's statement: its shape, fill colour and label, with the annotation's line and colour if any."""
    extra, fill = ("", "") if annotation is None else (_clean(annotation[0]), annotation[1])
    style = STYLES[type(node)].format(fill=_quote(fill or FILLS[type(node)])) + (
        f", {START}" if node.id == dialogue.start else ""
    )
    label = _node_label(dialogue, node, language) + (f"\n{extra}" if extra else "")
    return f"  {_quote(node.id)} [{style}, label={_quote(label)}];"


def _node_label(dialogue: Dialogue, node: Node, language: str) -> str:
    head = f"{node.id} (start)" if node.id == dialogue.start else node.id
    lines = [head]
    lines.append(_excerpt(" ".join(text.get(language) for text in _texts_of(node)), EXCERPT))
    if isinstance(node, Choice) and node.peers:
        lines.append("[peers: colleagues' choices shown]")
    if isinstance(node, Reflection) and node.min_length > 1:
        lines.append(f"[at least {node.min_length} characters]")
    if isinstance(node, Reflection) and node.share:
        lines.append("[may be shared with the group]")
    return "\n".join(line for line in lines if line)


def _texts_of(node: Node) -> tuple[Text, ...]:
    """What the node shows first: its question, else its bubbles."""
    match node:
        case Choice(ask=text) | Reflection(ask=text):
            return (text,)
        case Message(say=say) | End(say=say):
            return say
    return ()


def _edges(node: Node, language: str) -> list[tuple[NodeId, str]]:
    """(target, label) for every way out of ``node``, in the order the engine tries them."""
    match node:
        case Message(next=target):
            return [(target, "")]
        case Reflection(next=target, skip=skip):
            return [(target, "answer or skip" if skip else "answer")]
        case Choice(options=options):
            return [
                (
                    option.next,
                    _excerpt(option.label.get(language), LABEL)
                    + ("" if option.condition is None else f"\nif {_excerpt(show(option.condition), CONDITION)}"),
                )
                for option in options
            ]
        case Branch(when=rules, next=target):
            numbered = len(rules) > 1
            return [
                (rule.next, (f"{n}. " if numbered else "") + f"if {_excerpt(show(rule.condition), CONDITION)}")
                for n, rule in enumerate(rules, 1)
            ] + [(target, "else")]
    return []


# Binding strength in the condition grammar: or < and < not < compare < atom.
_OR, _AND, _NOT, _COMPARE, _ATOM = range(5)


def show(expr: Expr) -> str:
    """A condition written back as source, with only the parentheses it needs."""
    return _show(expr)[0]


def _show(expr: Expr) -> tuple[str, int]:
    match expr:
        case Literal(value=bool() as value):
            return ("true" if value else "false"), _ATOM
        case Literal(value=str() as value):
            return (f'"{value}"' if "'" in value else f"'{value}'"), _ATOM
        case Literal(value=value):
            return str(value), _ATOM
        case Var(name=name):
            return name, _ATOM
        case Call(function=function, argument=argument):
            return f"{function}({argument})", _ATOM
        case Not(operand=operand):
            return f"not {_wrap(operand, _NOT)}", _NOT
        case Logic(op=op, left=left, right=right):
            level = _OR if op == "or" else _AND
            return f"{_wrap(left, level)} {op} {_wrap(right, level + 1)}", level
        case Compare(op=op, left=left, right=right):
            return f"{_wrap(left, _ATOM)} {op} {_wrap(right, _ATOM)}", _COMPARE
    raise AssertionError(expr)  # pragma: no cover


def _wrap(expr: Expr, least: int) -> str:
    """``expr`` as source, in parentheses if it binds more loosely than ``least``."""
    text, level = _show(expr)
    return text if level >= least else f"({text})"


_UNSHOWN = ("Cc", "Cf", "Cs", "Zl", "Zp")
_JOINER = "\u200d"  # joins emoji sequences; harmless, unlike the other format characters (such as bidi overrides)


def _clean(text: str) -> str:
    """One line of printable text: control, format and line-separator characters become spaces."""
    kept = (" " if unicodedata.category(char) in _UNSHOWN and char != _JOINER else char for char in text)
    return " ".join("".join(kept).split())


def _excerpt(text: str, limit: int) -> str:
    cleaned = _clean(text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def _quote(text: str) -> str:
    """A DOT quoted string showing ``text`` literally; a newline in ``text`` becomes a centred line break.

    Backslashes and quotes are escaped, and ``&`` is written as ``&amp;`` so that
    Graphviz does not read trainer text such as ``&lt;`` as an HTML entity.
    """
    lines = (_clean(line).replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;") for line in text.split("\n"))
    return '"' + "\\n".join(lines) + '"'

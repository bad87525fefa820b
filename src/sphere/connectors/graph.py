"""The graph over a dataset map's references, as Fides traverses its datasets.

Nodes are tables; an edge runs from a referenced (parent) table to the table whose
field references it (the child, the dependent rows). The person is found in the
tables with identity columns; their rows' referenced values find the dependent rows,
and so on down the graph. So the graph must be acyclic (a cycle has no first table
and no safe order to delete in: refused with the path of the cycle), and every table
must be reachable from an identity (a table nothing leads to would never be searched).

Order: ``traversal_order`` lists parents before children (reads: a child's query needs
its parents' values); ``delete_order`` is the reverse (children's rows go first, so no
foreign key is left pointing at a deleted row).
"""

from __future__ import annotations

from collections import defaultdict

from sphere.connectors.definition import (
    ConnectorDefinition,
    FieldErasure,
    FieldSpec,
    TableErasure,
    TableSpec,
)
from sphere.errors import ConnectorError


def _fail(definition: ConnectorDefinition, message: str, at: tuple[int, int]) -> ConnectorError:
    return ConnectorError(
        message, system=definition.system, file=definition.source, line=at[0], column=at[1]
    )


def edges(definition: ConnectorDefinition) -> list[tuple[TableSpec, FieldSpec, TableSpec]]:
    """(parent table, referencing field of the child, child table) for each reference."""
    result = []
    for child in definition.tables:
        for f in child.references:
            assert f.references is not None
            parent = definition.table(f.references.table)
            if parent is not None:
                result.append((parent, f, child))
    return result


def check_graph(definition: ConnectorDefinition) -> None:
    """Raise ``ConnectorError`` at the first problem of the references (module docstring)."""
    targets: set[tuple[str, str]] = set()
    for table in definition.tables:
        for f in table.references:
            ref = f.references
            assert ref is not None
            parent = definition.table(ref.table)
            if parent is None:
                raise _fail(
                    definition,
                    f"field '{table.name}.{f.name}' references table '{ref.table}', which the "
                    "dataset map does not declare",
                    ref.at,
                )
            if parent.field(ref.field) is None:
                raise _fail(
                    definition,
                    f"field '{table.name}.{f.name}' references '{ref}', but table "
                    f"'{ref.table}' declares no field '{ref.field}'",
                    ref.at,
                )
            if f.erasure in (FieldErasure.HASH, FieldErasure.RANDOM):
                raise _fail(
                    definition,
                    f"field '{table.name}.{f.name}' references '{ref}' and would be replaced "
                    f"({f.erasure}); a reference can only be kept or set to null",
                    f.at,
                )
            targets.add((ref.table, ref.field))
    for table in definition.tables:
        for f in table.fields:
            if (table.name, f.name) in targets and f.erasure is not FieldErasure.KEEP:
                raise _fail(
                    definition,
                    f"field '{table.name}.{f.name}' is referenced by other tables and would be "
                    f"changed ({f.erasure}); referenced keys must be kept (erase the row, or "
                    "the fields around it)",
                    f.at,
                )
    _check_cycles(definition)
    _check_reachable(definition)
    _check_deletes(definition)


def _check_cycles(definition: ConnectorDefinition) -> None:
    children: dict[str, list[tuple[FieldSpec, TableSpec]]] = defaultdict(list)
    for parent, f, child in edges(definition):
        children[parent.name].append((f, child))
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[tuple[str, FieldSpec | None]] = []

    def visit(name: str, via: FieldSpec | None) -> None:
        state[name] = 1
        path.append((name, via))
        for f, child in children[name]:
            if state.get(child.name) == 1:
                start = next(i for i, (n, _) in enumerate(path) if n == child.name)
                steps = [f"{n}.{v.name}" for n, v in path[start + 1 :] if v is not None]
                cycle = " → ".join([*steps, f"{child.name}.{f.name}"])
                assert f.references is not None
                raise _fail(
                    definition,
                    f"reference cycle: {cycle} leads back to '{child.name}'; a dataset map must "
                    "be acyclic (drop one reference, e.g. a 'referred_by' column, from the map)",
                    f.references.at,
                )
            if child.name not in state:
                visit(child.name, f)
        path.pop()
        state[name] = 2

    for table in definition.tables:
        if table.name not in state:
            visit(table.name, None)


def _check_reachable(definition: ConnectorDefinition) -> None:
    reached = {t.name for t in definition.tables if t.identities}
    if not reached:
        first = definition.tables[0]
        raise _fail(
            definition,
            "no table has an identity field (identity: email, phone, customer_number or "
            "handle); nothing could find the person",
            first.at,
        )
    grew = True
    while grew:
        grew = False
        for parent, _f, child in edges(definition):
            if parent.name in reached and child.name not in reached:
                reached.add(child.name)
                grew = True
    for table in definition.tables:
        if table.name not in reached:
            raise _fail(
                definition,
                f"table '{table.name}' has no identity field and no reference leading to it "
                "from a table that has one; its rows could never be found",
                table.at,
            )


def _check_deletes(definition: ConnectorDefinition) -> None:
    for parent, f, child in edges(definition):
        if (
            parent.erasure is TableErasure.DELETE_ROW
            and child.erasure is not TableErasure.DELETE_ROW
            and f.erasure is not FieldErasure.NULL
        ):
            raise _fail(
                definition,
                f"table '{parent.name}' rows are deleted, but '{child.name}.{f.name}' references "
                f"them and stays: delete '{child.name}' rows too (erasure: delete_row) or set "
                f"'{f.name}' to null",
                f.at,
            )


def traversal_order(definition: ConnectorDefinition) -> list[TableSpec]:
    """Parents before children, otherwise in the file's order (Kahn's algorithm)."""
    incoming: dict[str, set[str]] = {t.name: set() for t in definition.tables}
    for parent, _f, child in edges(definition):
        if parent.name != child.name:
            incoming[child.name].add(parent.name)
    order: list[TableSpec] = []
    done: set[str] = set()
    while len(order) < len(definition.tables):
        ready = [t for t in definition.tables if t.name not in done and incoming[t.name] <= done]
        if not ready:  # only if check_graph was skipped
            raise _fail(definition, "reference cycle", definition.tables[0].at)
        order.append(ready[0])
        done.add(ready[0].name)
    return order


def delete_order(definition: ConnectorDefinition) -> list[TableSpec]:
    """Children before parents: the order in which rows can be deleted."""
    return list(reversed(traversal_order(definition)))

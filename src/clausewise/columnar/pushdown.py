"""The rows of a table an evaluation of a few entities reads (``clausewise explain``).

A table DuckDB reads itself is read only by lowered queries, and each of them finds its rows
by one field: the entity's key (a relation's table: ``bindings.provider_id``), the key of an
item related to the entity (``shop_daily.shop_id`` of the shops bound to the provider), or the
value of the entity's field the rows are found by (with ``for each``, an entity ``P01/catering``
reads every row of ``P01``); a filter measured per item (RENEW's count of the shop's bindings to
the provider) reads the rows of the entity's items, found by their key. :func:`entity_rows`
gives, per such field, the texts the named entities' rows hold there, so that DuckDB keeps only
those rows (:func:`clausewise.columnar.scan.scan_file`); None when some query finds its rows otherwise. A
field that is not part of a keyed table's key is no such field: a row with a duplicate key is
rejected by the reader only if its first row is read too. A table the Python reader validates
lazily (:mod:`clausewise.data.lazy`) is looked up the same way: :func:`needed_rows` validates only
the rows SQL reads of it.
"""

from __future__ import annotations

from typing import Any, Collection, Mapping

from clausewise.columnar.items import ItemsLowered
from clausewise.data.lazy import LazyTable
from clausewise.evaluate import computed
from clausewise.language import syntax
from clausewise.language.refs import RelationRef, RowsRef, VarRef


def _row_fields(c, node: Any, table: str) -> set[str]:
    """The fields by which the aggregates inside ``node`` find their rows of ``table``."""
    found: set[str] = set()
    for n in syntax.walk(node) if isinstance(node, syntax.Node) else ():
        ref = c.refs.get(n.nid)
        if isinstance(n, syntax.Aggregate) and isinstance(ref, RowsRef) and ref.table == table:
            found.add(ref.link[0])
    return found


def entity_rows(c, lowered: Mapping[int, Any], name: str, tables: Mapping[str, Any], entities: Collection[str]
                ) -> dict[str, set[str]] | None:
    """Field -> the texts that the rows of table ``name`` the named entities need hold in it (a row
    is needed if one of its fields holds one); None: every row (see the module docstring)."""
    key = c.tables[c.entity_table].key
    entity = tables.get(c.entity_table)
    if len(key) != 1 or entity is None or not isinstance(entity.rows, list):
        return None
    named = set(entities)  # with 'for each', P01/catering: every row of P01 is read
    entity_rows_ = [r for e, r in computed.entity_rows(c, entity.rows).items() if e in named]
    wanted = {r.get(key[0]) for r in entity_rows_}
    schema = c.tables[name]
    keep: dict[str, set[str]] = {}

    def add(field: str, values: Collection[Any]) -> bool:
        f = schema.field(field)
        if f is None or f.type.is_list or f.type.kind not in ("string", "enum") or not all(isinstance(v, str) for v in values):
            return False
        if schema.key and field not in schema.key:  # a duplicate's first row may hold another text
            return False
        keep.setdefault(field, set()).update(values)
        return True

    def items(relation: str) -> set[Any] | None:
        rel = c.relations[relation]
        via = tables.get(rel.via)
        if isinstance(via, LazyTable):  # validated when looked up: only the entities' rows
            index = via.by_field(rel.from_field)
            return {r.get(rel.to_field) for e in sorted(wanted, key=str) for r in index.get(e, ())}
        if via is None or not isinstance(via.rows, list):  # read by DuckDB too: not known here
            return None
        return {r.get(rel.to_field) for r in via.rows if r.get(rel.from_field) in wanted}

    for low in lowered.values():
        item_filter = getattr(low, "item_filter", None)
        by_item = _row_fields(c, item_filter, name) if item_filter is not None else set()
        if by_item:  # a filter measured per item reads the items' own rows of this table (by their key)
            found = items(low.relation)
            if len(by_item) != 1 or found is None or not add(next(iter(by_item)), found):
                return None
        if name not in low.tables and not (isinstance(low, ItemsLowered) and c.relations[low.relation].target == name):
            continue
        ref = c.refs.get(low.node.nid)
        relation: str | None = None
        if isinstance(low, ItemsLowered):
            relation, fields = low.relation, _row_fields(c, low.quantifier.cond, name)
        else:
            over = c.refs.get(low.node.over.nid) if low.node.over is not None else None
            relation = over.name if isinstance(over, RelationRef | VarRef) else None
            fields = {ref.link[0]} if isinstance(ref, RowsRef) else set()
        if relation is not None:
            rel = c.relations[relation]
            found = items(relation) if name != rel.via else None
            target_key = c.tables[rel.target].key
            if name == rel.via:
                ok = add(rel.from_field, wanted)
            elif name == rel.target and name != low.table:  # the items' own rows, by their key
                ok = len(target_key) == 1 and found is not None and add(target_key[0], found)
            else:
                ok = name == low.table and len(fields) == 1 and found is not None and add(next(iter(fields)), found)
        else:  # the rows of the entity's own field value
            sfield = ref.link[1] if isinstance(ref, RowsRef) else None
            ok = (name == low.table and len(fields) == 1 and sfield is not None
                  and add(next(iter(fields)), [r.get(sfield) for r in entity_rows_]))
        if not ok:
            return None
    return keep or None


def needed_rows(c, lowered: Mapping[int, Any], tables: Mapping[str, Any], entities: Collection[str]
                ) -> dict[str, list[dict]]:
    """Table -> the rows SQL reads of each table the Python reader validates lazily (explain): the
    rows the named entities need (:func:`entity_rows`), looked up and so validated, or every row
    when that cannot be told. A count of related items reads its items' rows too."""
    read = {t for low in lowered.values() for t in (*low.tables, *getattr(low, "filter_tables", ()))}
    read |= {c.relations[low.relation].target for low in lowered.values() if isinstance(low, ItemsLowered)}
    out: dict[str, list[dict]] = {}
    for name in sorted(read):
        table = tables.get(name)
        if not isinstance(table, LazyTable):
            continue
        keep = entity_rows(c, lowered, name, tables, entities)
        if keep is None:
            out[name] = table.rows_in_order(validate_all=True)
            continue
        for field, texts in sorted(keep.items()):
            index = table.by_field(field)
            for text in sorted(texts):
                index.get(text)
        out[name] = table.rows  # every row validated so far, in file order
    return out

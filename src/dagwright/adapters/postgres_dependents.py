"""PostgreSQL: the views bound to a relation, kept across its swap, in SQL the server runs.

PostgreSQL binds a view to the relations it reads by OID, not by name: after a swap it would
read the backup, and dropping the backup (CASCADE) drops it. Statements the server runs keep
them, so that a swap is one script (one round trip) however many views depend on it:

- ``keep_dependents_sql``: finds the views (and materialized views) that read the relation,
  directly or through other views; takes a transaction-level advisory lock per view, in the
  order of their keys, so that two swaps re-creating the same view take turns (and two
  whose dependents are disjoint do not wait for each other); then reads their definitions,
  every name schema-qualified, into the transaction's ``dagwright.dependents`` setting.
  ``pg_get_viewdef`` locks the views it reads, so the definitions are read only once the
  advisory locks are held. Plain SQL, planned in microseconds when there is nothing to keep.
- ``RECREATE`` (an anonymous code block): once the swap has dropped the old relation (and the views with it),
  re-creates them by name from that setting, deepest last, each in a subtransaction: a view
  whose definition no longer fits the new relation (a column it reads is gone) stays
  dropped, as dbt leaves it, and is listed in the session's ``dagwright.lost_views``
  setting (``LOST``) for the run's relation cache.

The relation's name reaches the server as a quoted literal of its identifiers
(``keep_dependents_sql``); the definitions never leave the server.
"""

from __future__ import annotations

import json

from dagwright.adapters.base import Relation
from dagwright.adapters.postgres_sql import regclass_name, sql_literal

#: first key of the advisory locks on dependent views ("dw_d"); the second is the view's
#: hashed ``schema.name`` (a collision only makes two swaps take turns)
LOCK_CLASS = 0x64_77_5F_64

# the views depending on ``target`` (directly or through other views) and their depth
_DEPENDENTS = """
    with recursive deps(oid, depth) as (
        select r.ev_class, 1
        from pg_catalog.pg_depend d
        join pg_catalog.pg_rewrite r on r.oid = d.objid
        where d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
          and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          and d.refobjid = pg_catalog.to_regclass(:target)
          and r.ev_class <> d.refobjid
        union
        select r.ev_class, deps.depth + 1
        from deps
        join pg_catalog.pg_depend d on d.refobjid = deps.oid
        join pg_catalog.pg_rewrite r on r.oid = d.objid
        where d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
          and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          and r.ev_class <> deps.oid
          and deps.depth < 100
    )
    select c.oid, n.nspname, c.relname, c.relkind, c.reloptions, pg_catalog.max(deps.depth) as depth
    from deps
    join pg_catalog.pg_class c on c.oid = deps.oid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm')
    group by c.oid, n.nspname, c.relname, c.relkind, c.reloptions
"""

#: the keys of the dependent views, found before their locks are taken
_FIND = f"""select pg_catalog.set_config('dagwright.dependent_keys', coalesce(pg_catalog.jsonb_agg(
           distinct pg_catalog.hashtext(dv.nspname || '.' || dv.relname)), '[]')::text, true)
from ({_DEPENDENTS}) dv"""

#: their advisory locks, taken in the order of the keys
_LOCK = f"""select pg_catalog.count(pg_catalog.pg_advisory_xact_lock({LOCK_CLASS}, k.key))
from (select distinct key::int as key
      from pg_catalog.jsonb_array_elements_text(pg_catalog.current_setting('dagwright.dependent_keys')::jsonb) key
      order by 1) k"""

#: their definitions, read under the locks (an empty search path: every name qualified)
_CAPTURE = f"""select pg_catalog.set_config('dagwright.dependents', coalesce(pg_catalog.jsonb_agg(
           pg_catalog.jsonb_build_object(
               'schema', dv.nspname, 'name', dv.relname, 'kind', dv.relkind,
               'definition', pg_catalog.pg_get_viewdef(dv.oid),
               'options', pg_catalog.to_jsonb(coalesce(dv.reloptions, '{{}}')),
               'comment', pg_catalog.obj_description(dv.oid, 'pg_class'))
           order by dv.depth, dv.nspname, dv.relname), '[]')::text, true)
from ({_DEPENDENTS}) dv"""

RECREATE = """do $dagwright$
declare
    v jsonb;
    kind text;
    qualified text;
    with_options text;
    lost jsonb := '[]';
begin
    for v in
        select value from pg_catalog.jsonb_array_elements(
            coalesce(nullif(pg_catalog.current_setting('dagwright.dependents', true), ''), '[]')::jsonb)
    loop
        kind := case v ->> 'kind' when 'm' then 'materialized view' else 'view' end;
        qualified := pg_catalog.format('%I.%I', v ->> 'schema', v ->> 'name');
        select coalesce(' with (' || pg_catalog.string_agg(o, ', ') || ')', '') into with_options
        from pg_catalog.jsonb_array_elements_text(v -> 'options') o;
        begin
            execute pg_catalog.format('drop %s if exists %s cascade', kind, qualified);
            execute pg_catalog.format('create %s %s%s as %s', kind, qualified, with_options,
                                      pg_catalog.rtrim(pg_catalog.btrim(v ->> 'definition'), ';'));
            if v ->> 'comment' is not null then
                execute pg_catalog.format('comment on %s %s is %L', kind, qualified, v ->> 'comment');
            end if;
        exception
            when deadlock_detected or lock_not_available then
                raise;
            when others then
                lost := lost || pg_catalog.jsonb_build_array(
                    pg_catalog.jsonb_build_array(v ->> 'schema', v ->> 'name'));
        end;
    end loop;
    perform pg_catalog.set_config('dagwright.dependents', '[]', true);
    perform pg_catalog.set_config('dagwright.lost_views', lost::text, false);
end
$dagwright$"""

#: the views the last ``RECREATE`` of this session could not re-create (a JSON list of
#: [schema, name]); a session setting, so it can be read after the COMMIT
LOST = "select pg_catalog.current_setting('dagwright.lost_views', true)"


def keep_dependents_sql(relation: Relation) -> list[str]:
    """The statements capturing (and locking) the views that read ``relation`` (its name as
    the catalog has it), before it is renamed away. The definitions are read after the locks,
    with the dependents found anew: another swap may have re-created one of them meanwhile
    (by the same name, so under the same key). A view another session creates on the
    relation between the two reads is kept, without its lock (at worst the server ends one
    of two swaps that then wait for each other, as a deadlock)."""
    target = sql_literal(regclass_name(relation))
    return [
        _FIND.replace(":target", target),
        _LOCK,
        "select pg_catalog.set_config('dagwright.search_path', pg_catalog.current_setting('search_path'), true)",
        "select pg_catalog.set_config('search_path', '', true)",
        _CAPTURE.replace(":target", target),
        "select pg_catalog.set_config('search_path', pg_catalog.current_setting('dagwright.search_path'), true)",
    ]


def lost_views(rows: list[tuple]) -> list[Relation]:
    """The views ``LOST``'s answer names."""
    text = rows[0][0] if rows and rows[0] else None
    return [Relation(None, str(schema), str(name)) for schema, name in json.loads(text or "[]")]

-- Writes go through the api functions only. Without this, PATCH or DELETE on a view that joins
-- tables fails with "cannot update view" (SQLSTATE 55000), which PostgREST answers with 500.
-- With an INSTEAD OF trigger every api view is formally updatable, so PostgreSQL checks the
-- caller's privileges first (none: 401/403) and the trigger refuses whatever gets past them.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create function app.tg_api_view__read_only() returns trigger
language plpgsql
as $$
begin
    perform app.raise_error(
        'FP103', 405, 'This resource is read-only; changes go through the rpc functions.', tg_table_name
    );
    return null;
end
$$;
comment on function app.tg_api_view__read_only() is 'Refuses INSERT, UPDATE and DELETE on api views.';
grant execute on function app.tg_api_view__read_only() to sales_rep, sales_manager, auditor, tenant_admin;

do $$
declare
    v_view regclass;
begin
    for v_view in
        select c.oid::regclass from pg_catalog.pg_class as c
        where c.relnamespace = 'api'::regnamespace and c.relkind = 'v'
    loop
        execute format(
            'create trigger _100_read_only instead of insert or update or delete on %s '
            'for each row execute function app.tg_api_view__read_only()',
            v_view
        );
    end loop;
end
$$;

-- Catalog lints (SPEC 10.2): the security properties every object must have, checked for all
-- objects at once so a new table, view or function cannot slip past them.
begin;
select plan(19);

create temporary view our_schemas as
select
    n.oid,
    n.nspname
from pg_namespace as n
where n.nspname in ('app', 'app_private', 'api', 'reporting');

create temporary view runtime_roles as
select
    r.oid,
    r.rolname
from pg_roles as r
where r.rolname in (
    'authenticator', 'web_anon', 'sales_rep', 'sales_manager', 'auditor', 'tenant_admin',
    'svc_api', 'svc_jobs', 'reporting_reader', 'analyst'
);

-- Functions that belong to an extension are the extension's business.
create temporary view our_functions as
select
    p.oid,
    p.oid::regprocedure as signature,
    n.nspname,
    p.prosecdef,
    p.proconfig,
    p.proacl
from pg_proc as p
inner join pg_namespace as n on p.pronamespace = n.oid
where
    n.nspname in (select s.nspname from our_schemas as s)
    and not exists (
        select from pg_depend as d
        where d.objid = p.oid and d.classid = 'pg_proc'::regclass and d.deptype = 'e'
    );

select is_empty(
    $$ select c.oid::regclass::text from pg_class as c
       where c.relnamespace in (select oid from our_schemas) and c.relkind in ('r', 'p')
         and not c.relrowsecurity $$,
    'RLS is enabled on every table'
);

select is_empty(
    $$ select c.oid::regclass::text from pg_class as c
       where c.relnamespace in (select oid from our_schemas) and c.relkind = 'v'
         and not coalesce('security_invoker=true' = any(c.reloptions), false) $$,
    'every view is security_invoker'
);

select is_empty(
    $$ select signature::text from our_functions where prosecdef and nspname <> 'app_private' $$,
    'no security definer function outside app_private'
);

select is_empty(
    $$ select signature::text from our_functions
       where prosecdef and not coalesce('search_path=""' = any(proconfig), false) $$,
    'every security definer function pins search_path to empty'
);

select isnt_empty(
    $$ select signature::text from our_functions where prosecdef $$,
    'the definer checks above have functions to check (app_private.check_request at least)'
);

select is_empty(
    $$ select c.oid::regclass::text || ' owned by ' || r.rolname from pg_class as c
       inner join runtime_roles as r on c.relowner = r.oid $$,
    'no runtime role owns a table, view or sequence'
);

select is_empty(
    $$ select p.oid::regprocedure::text from pg_proc as p
       inner join runtime_roles as r on p.proowner = r.oid $$,
    'no runtime role owns a function'
);

select is_empty(
    $$ select rolname from pg_roles
       where rolname in (select rolname from runtime_roles) and (rolsuper or rolbypassrls) $$,
    'no runtime role is superuser or bypasses RLS'
);

select is_empty(
    $$ select signature::text from our_functions
       where proacl is null or exists (select from aclexplode(proacl) as a where a.grantee = 0) $$,
    'PUBLIC may execute no function of ours (no default EXECUTE)'
);

select is_empty(
    $$ select c.oid::regclass::text from pg_class as c
       where c.relnamespace = 'public'::regnamespace
       union all
       select p.oid::regprocedure::text from pg_proc as p
       where p.pronamespace = 'public'::regnamespace $$,
    'schema public is empty'
);

select ok(
    not exists (
        select from pg_namespace as n, aclexplode(n.nspacl) as a
        where n.nspname = 'public' and a.grantee = 0
    ),
    'PUBLIC has no privileges on schema public'
);

select is_empty(
    $$ select c.oid::regclass::text || ' ' || a.privilege_type
       from pg_class as c, aclexplode(c.relacl) as a
       where c.relnamespace in (select oid from our_schemas)
         and a.grantee in (0, 'web_anon'::regrole)
       union all
       select f.signature::text from our_functions as f, aclexplode(f.proacl) as a
       where a.grantee = 'web_anon'::regrole
         and f.signature <> 'app_private.check_request()'::regprocedure $$,
    'web_anon and PUBLIC hold no privilege on any table, view or function (but the pre-request check)'
);

select is_empty(
    $$ select 'api.' || c.relname from pg_class as c
       where c.relnamespace = 'api'::regnamespace and obj_description(c.oid, 'pg_class') is null
       union all
       select signature::text from our_functions
       where nspname = 'api' and obj_description(oid, 'pg_proc') is null $$,
    'every api view and function has a comment (it is the API documentation)'
);

select is_empty(
    $$ select c.oid::regclass::text from pg_class as c
       where c.relnamespace in (select oid from our_schemas) and c.relkind in ('r', 'p', 'v')
         and obj_description(c.oid, 'pg_class') is null
       union all
       select c.oid::regclass::text || '.' || a.attname
       from pg_class as c inner join pg_attribute as a on a.attrelid = c.oid
       where (
               c.relnamespace in (select oid from our_schemas) and c.relkind in ('r', 'p')
               or c.relnamespace = 'api'::regnamespace and c.relkind = 'v'
           )
         and a.attnum > 0 and not a.attisdropped and col_description(c.oid, a.attnum) is null $$,
    'every table and view has a comment, and so does every column of a table or an api view'
);

select is_empty(
    $$ select c.conrelid::regclass::text || ' ' || c.conname
       from pg_constraint as c
       where c.contype = 'f' and c.connamespace in (select oid from our_schemas)
         and not exists (
             select from pg_index as i
             where i.indrelid = c.conrelid
               and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] operator(pg_catalog.@>) c.conkey
         ) $$,
    'every foreign key has an index that starts with its columns'
);

-- plpgsql_check reads every PL/pgSQL body as the planner would: unknown columns, wrong types,
-- unreachable code. Trigger functions are checked against the table of their first trigger.
select is_empty(
    $$ select f.signature::text || ': ' || c.message
       from our_functions as f
       inner join pg_proc as p on p.oid = f.oid
       cross join lateral plpgsql_check_function_tb(
           f.oid,
           coalesce((select t.tgrelid from pg_trigger as t where t.tgfoid = f.oid limit 1), 0)
       ) as c
       where p.prolang = (select oid from pg_language where lanname = 'plpgsql')
         and c.level in ('error', 'warning')
         and not (p.prorettype = 'trigger'::regtype
                  and not exists (select from pg_trigger as t where t.tgfoid = f.oid)) $$,
    'plpgsql_check finds no error or warning in any PL/pgSQL function'
);

select is_empty(
    $$ select c.oid::regclass::text from pg_class as c
       where c.relnamespace = 'api'::regnamespace and c.relkind = 'v'
         and not exists (
             select from pg_trigger as t
             where t.tgrelid = c.oid and t.tgfoid = 'app.tg_api_view__read_only'::regproc
         ) $$,
    'every api view refuses writes with a trigger (no 500 for PATCH on a join view)'
);

-- Computed relationships (api functions taking an api view's row, for resource embedding) must be
-- inlined into PostgREST's query, and must read the child view as the caller: plain SQL, stable,
-- not strict, no SET clause, security invoker. Anything else is a per-row call at best and a way
-- around RLS at worst.
select is_empty(
    $$ select f.signature::text from our_functions as f
       inner join pg_proc as p on p.oid = f.oid
       where f.nspname = 'api' and p.pronargs = 1
         and p.proargtypes[0] in (select c.reltype from pg_class as c where c.relnamespace = 'api'::regnamespace)
         and (p.prolang <> (select oid from pg_language where lanname = 'sql') or p.provolatile <> 's'
              or p.proisstrict or p.prosecdef or p.proconfig is not null or not p.proretset) $$,
    'every computed relationship is inlinable SQL: stable, not strict, no SET, security invoker, setof'
);

-- Definer functions run with the owner's rights; a web role may call only these, each of which
-- checks the caller's tenant, role and relation itself (direct SQL is the threat model).
select is_empty(
    $$ select f.signature::text from our_functions as f, aclexplode(f.proacl) as a
       where f.nspname = 'app_private'
         and a.grantee in (select oid from pg_roles where rolname in
             ('web_anon', 'sales_rep', 'sales_manager', 'auditor', 'tenant_admin'))
         and f.signature not in (
             'app_private.check_request()'::regprocedure,
             'app_private.my_collaborations()'::regprocedure,
             'app_private.collaborator_role(uuid)'::regprocedure,
             'app_private.lock_lead(uuid)'::regprocedure,
             'app_private.duplicate_of(text, text)'::regprocedure,
             'app_private.similar_leads(text, text)'::regprocedure,
             'app_private.audit(uuid, text, text, uuid, uuid, jsonb, jsonb, text)'::regprocedure,
             'app_private.notify(uuid, uuid, text, uuid, text, text, text)'::regprocedure,
             'app_private.notify_roles(uuid, text[], text, uuid, text, text, text)'::regprocedure,
             'app_private.acquire_lead(uuid, text)'::regprocedure,
             'app_private.expire_lead_now(uuid, text)'::regprocedure,
             'app_private.reassign_lead(uuid, uuid, text)'::regprocedure,
             'app_private.backdate_lead(uuid, timestamptz, text)'::regprocedure,
             'app_private.job_health()'::regprocedure,
             'app_private.issue_feedback_token(uuid, text)'::regprocedure,
             'app_private.revoke_feedback_token(uuid)'::regprocedure,
             'app_private.requeue_job(bigint)'::regprocedure,
             'app_private.request_sync(text)'::regprocedure,
             'app_private.link_xentral_customer(uuid, text)'::regprocedure,
             'app_private.place_sales_order(uuid, jsonb, text)'::regprocedure,
             'app_private.request_credit_limit(uuid, numeric)'::regprocedure,
             'app_private.cancel_sales_order(uuid)'::regprocedure,
             'app_private.assign_inbound_mail(uuid, uuid)'::regprocedure
         ) $$,
    'web roles may execute only the vetted app_private functions'
);

select * from finish();
rollback;

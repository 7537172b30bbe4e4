-- Roles.
-- Baseline (first release). Structure only: tables, constraints, indexes, policies, grants and
-- the few functions that policies and column defaults use. Frozen once on main: change it with a
-- new V file. Views and functions live in the R__ files.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- Database roles (SPEC 2.2). Roles are cluster-wide, so every statement is idempotent.

do $$
declare
    v_role record;
begin
    for v_role in
        select *
        from (
            values
            ('authenticator', 'login noinherit'),
            ('web_anon', 'nologin'),
            ('sales_rep', 'nologin'),
            ('sales_manager', 'nologin'),
            ('auditor', 'nologin'),
            ('tenant_admin', 'nologin'),
            ('svc_api', 'login noinherit'),
            ('svc_jobs', 'login'),
            ('reporting_reader', 'nologin'),
            ('analyst', 'login')
        ) as r (name, options)
    loop
        if not exists (select from pg_catalog.pg_roles where rolname = v_role.name) then
            execute format('create role %I %s', v_role.name, v_role.options);
        end if;
    end loop;
end
$$;

comment on role authenticator is
'PostgREST logs in as this role and switches to the role named in the JWT for each request.';
comment on role web_anon is 'Requests without a JWT. Has no privileges on any object.';
comment on role sales_rep is 'Commercial agent: sees own and collaborated leads only.';
comment on role sales_manager is
'Sales manager: reads the whole tenant, decides holds, extensions, overrides.';
comment on role auditor is 'Auditor: reads the whole tenant, changes nothing.';
comment on role tenant_admin is 'Tenant administrator: users and settings of one tenant.';
comment on role svc_api is
'The Litestar service: switches to web roles for user calls, runs public-endpoint helpers.';
comment on role svc_jobs is 'Workers: the job queue and integration functions only.';
comment on role reporting_reader is 'Group for read-only analyst logins on the reporting schema.';
comment on role analyst is 'Example analyst login (member of reporting_reader).';

-- PostgREST and the API service may become any web role, and nothing else.
-- (One role per statement: sqlfluff cannot parse role lists in GRANT ... TO.)
grant web_anon to authenticator;
grant sales_rep to authenticator;
grant sales_manager to authenticator;
grant auditor to authenticator;
grant tenant_admin to authenticator;
grant sales_rep to svc_api;
grant sales_manager to svc_api;
grant auditor to svc_api;
grant tenant_admin to svc_api;
grant reporting_reader to analyst;

alter role analyst set default_transaction_read_only = on;
alter role analyst set statement_timeout = '30s';
alter role authenticator set statement_timeout = '15s';

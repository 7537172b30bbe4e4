-- Schemas, deny-by-default privileges and extensions.
-- Baseline (first release). Structure only: tables, constraints, indexes, policies, grants and
-- the few functions that policies and column defaults use. Frozen once on main: change it with a
-- new V file. Views and functions live in the R__ files.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- Schemas and deny-by-default privileges (SPEC 2.3).

-- Nobody gets anything implicitly: not on the database, not in public, not on new functions.
revoke all on schema public from public;
alter default privileges revoke execute on functions from public;
alter default privileges revoke usage on types from public;

do $$
begin
    execute format('revoke all on database %I from public', current_database());
    execute format(
        'grant connect on database %I to authenticator, svc_api, svc_jobs, reporting_reader',
        current_database()
    );
end
$$;

create schema if not exists app;
create schema if not exists app_private;
create schema if not exists api;
create schema if not exists reporting;
create schema if not exists extensions;

comment on schema public is 'Unused: every object lives in a named schema.';
comment on schema app is 'Tables and internal functions of the FreshPlan sales backend.';
comment on schema app_private is
'Token hashes, secrets and security definer helpers; no web role reads it directly.';
comment on schema api is 'FreshPlan sales API';
comment on schema reporting is 'Aggregate and pseudonymised views for analysts (read-only SQL).';
comment on schema extensions is 'Extensions, kept out of the application schemas.';

grant usage on schema app, api to sales_rep, sales_manager, auditor, tenant_admin;
grant usage on schema app_private to svc_api, svc_jobs;
grant usage on schema extensions to sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;
grant usage on schema reporting to reporting_reader;

-- Extensions for duplicate detection (pg_trgm) and the hold overlap constraint (btree_gist).

create extension if not exists pg_trgm with schema extensions;
create extension if not exists btree_gist with schema extensions;

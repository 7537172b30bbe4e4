-- Domain errors, the audit writers and the read-only guard of api views.
-- Repeatable (Flyway re-applies this file after the V files whenever its text changes; R__ files
-- run in name order, so a file may use what an earlier one defines). Every definition here is
-- the current text of its object: edit it in place. A view whose columns change is dropped and
-- recreated here, a function whose signature changes is dropped here first.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- Domain errors with stable codes and HTTP statuses (docs/error_codes.md).

-- PostgREST turns SQLSTATE 'PGRST' into an HTTP response: the message is the JSON body
-- (code, message, details, hint) and the detail carries the status. The Litestar service
-- maps the same error to problem+json, so a rule raises it once for both.
create or replace function app.raise_error(
    p_code text,
    p_status integer,
    p_message text,
    p_details text default null,
    p_hint text default null
) returns void
language plpgsql
volatile
parallel safe
as $$
begin
    raise sqlstate 'PGRST' using
        message = pg_catalog.json_build_object(
            'code', p_code, 'message', p_message, 'details', p_details, 'hint', p_hint
        )::text,
        detail = pg_catalog.json_build_object(
            'status', p_status, 'headers', pg_catalog.json_build_object()
        )::text;
end
$$;

comment on function app.raise_error(text, integer, text, text, text) is
'Raises a domain error with a registered code (docs/error_codes.md) and HTTP status.';

grant execute on function app.raise_error(text, integer, text, text, text) to
sales_rep, sales_manager, auditor, tenant_admin, svc_api, svc_jobs;

-- The append-only audit log (SPEC 3.9).

create or replace function app_private.tg_audit_log__refuse_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    raise exception 'app.audit_log is append-only: % refused', tg_op
        using errcode = 'insufficient_privilege';
end
$$;
comment on function app_private.tg_audit_log__refuse_change() is
'Refuses UPDATE, DELETE and TRUNCATE on app.audit_log, whoever asks.';

create or replace trigger _100_append_only
before update or delete on app.audit_log
for each row execute function app_private.tg_audit_log__refuse_change();

create or replace trigger _101_no_truncate
before truncate on app.audit_log
for each statement execute function app_private.tg_audit_log__refuse_change();

-- The one way entries are written: actor, role and request id come from the request. Only other
-- definer functions call this one (it is granted to nobody), so "the system" cannot be claimed.
create or replace function app_private.write_audit(
    p_tenant_id uuid,
    p_action text,
    p_entity_type text,
    p_entity_id uuid,
    p_lead_id uuid,
    p_before jsonb,
    p_after jsonb,
    p_reason text,
    p_as_system boolean
) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    insert into app.audit_log (
        tenant_id, actor_id, actor_role, action, entity_type, entity_id, lead_id,
        before, after, reason, request_id
    )
    values (
        p_tenant_id,
        case when not p_as_system then app.current_user_id() end,
        case when not p_as_system then app.current_web_role() end,
        p_action,
        p_entity_type,
        p_entity_id,
        p_lead_id,
        p_before,
        p_after,
        p_reason,
        left(
            coalesce(nullif(pg_catalog.current_setting('request.headers', true), ''), '{}')::jsonb
            ->> 'x-request-id',
            200
        )
    )
$$;
comment on function app_private.write_audit(uuid, text, text, uuid, uuid, jsonb, jsonb, text, boolean) is
'Appends one audit entry; the actor is the caller, or nobody (the system) when p_as_system.';

-- The audit and notification writers are granted to the web roles because the api functions run
-- as the caller; called directly (a bug in a service that runs a caller's SQL) they would forge
-- entries. They accept only calls that started in one of our functions. p_stack is the writer's
-- PG_CONTEXT, one line per frame; a frame that runs query text (SPI: PL/pgSQL's statements, or a
-- built-in such as query_to_xml) adds a line SQL statement "<text>", whose text the caller may
-- shape, line breaks included. So the outermost line must be a whole frame line as PostgreSQL
-- writes it, anchored at both ends: quoted statement text always ends in the closing quote, which
-- no frame line does. Web roles cannot create functions (no CREATE on any schema), so an outermost
-- frame of a named function is code that was reviewed and migrated; a top-level call shows only
-- the writer itself, and any anonymous code block on the stack is refused (a caller can add lines
-- that look like frames inside statement text, never remove a real one). (PL/pgSQL names a function
-- with or without its schema, depending on the search_path it was compiled under, so the schema is
-- not checked.)
create or replace function app_private.require_our_caller(p_stack text) returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_lines text[] := regexp_split_to_array(rtrim(p_stack, E'\n'), E'\n');
    v_outer text := v_lines[cardinality(v_lines)];
begin
    if cardinality(v_lines) < 2
        or v_outer !~ '^(PL/pgSQL function [a-z_0-9.]+\([^"]*\) line [0-9]+ at [A-Za-z ]+|SQL function "[a-z_0-9]+" statement [0-9]+)$'
        or p_stack ~ '(^|\n)PL/pgSQL function inline_code_block' then
        raise exception 'only the api functions write audit entries and notifications'
            using errcode = 'insufficient_privilege';
    end if;
end
$$;
comment on function app_private.require_our_caller(text) is
'Raises 42501 unless the call stack shows one of our functions as the caller of an audit or notification writer.';

-- What the api functions call: an entry by the calling user, in the caller's own tenant only.
create or replace function app_private.audit(
    p_tenant_id uuid,
    p_action text,
    p_entity_type text,
    p_entity_id uuid,
    p_lead_id uuid,
    p_before jsonb,
    p_after jsonb,
    p_reason text default null
) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_stack text;
begin
    get diagnostics v_stack = pg_context;
    perform app_private.require_our_caller(v_stack);
    if app.current_tenant_id() is not null and p_tenant_id is distinct from app.current_tenant_id() then
        raise exception 'audit entries are written for the caller''s tenant only'
            using errcode = 'insufficient_privilege';
    end if;
    perform app_private.write_audit(
        p_tenant_id, p_action, p_entity_type, p_entity_id, p_lead_id, p_before, p_after, p_reason, false
    );
end
$$;
comment on function app_private.audit(uuid, text, text, uuid, uuid, jsonb, jsonb, text) is
'Appends one audit entry by the calling user, for their own tenant; only our functions may call it.';

grant execute on function app_private.audit(uuid, text, text, uuid, uuid, jsonb, jsonb, text)
to sales_rep, sales_manager, auditor, tenant_admin;

-- The api views of SPEC 4.1 (leads and everything around them).

create or replace view api.audit_log
with (security_invoker = true)
as
select
    a.id,
    a.occurred_at,
    a.actor_id,
    a.actor_role,
    a.action,
    a.entity_type,
    a.entity_id,
    a.lead_id,
    a.before,
    a.after,
    a.reason,
    a.request_id
from app.audit_log as a;
comment on view api.audit_log is
'Audit entries: the whole tenant for managers, auditors and admins; a rep''s readable leads.';
comment on column api.audit_log.id is 'Entry id (write order).';
comment on column api.audit_log.occurred_at is 'When.';
comment on column api.audit_log.actor_id is 'Who acted (null: the system).';
comment on column api.audit_log.actor_role is 'Their role then.';
comment on column api.audit_log.action is 'What happened.';
comment on column api.audit_log.entity_type is 'Kind of entity.';
comment on column api.audit_log.entity_id is 'Entity id.';
comment on column api.audit_log.lead_id is 'Lead concerned.';
comment on column api.audit_log.before is 'State before.';
comment on column api.audit_log.after is 'State after.';
comment on column api.audit_log.reason is 'Reason given.';
comment on column api.audit_log.request_id is 'Request id of the HTTP call.';

grant select on api.audit_log to sales_rep, sales_manager, auditor, tenant_admin;

-- Internal helpers of the lead functions: checks shared by the api functions, and the few
-- definer steps that change ownership (which no caller may write directly).

create or replace function app.require_role(p_roles text[]) returns void
language plpgsql
stable
as $$
begin
    if app.current_web_role() is null or not app.current_web_role() = any(p_roles) then
        perform app.raise_error(
            'FP102', 403, 'Your role may not do this.', null,
            'Allowed: ' || array_to_string(p_roles, ', ') || '.'
        );
    end if;
end
$$;
comment on function app.require_role(text[]) is 'Raises FP102 (403) unless the caller has one of the roles.';

grant execute on function app.require_role(text[]) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app.check_text(p_value text, p_field text, p_min integer, p_max integer) returns text
language plpgsql
immutable
as $$
declare
    v_value text := btrim(p_value);
begin
    if v_value is null or char_length(v_value) < p_min then
        perform app.raise_error(
            'FP301', 400, format('%s must have at least %s characters.', p_field, p_min), p_field
        );
    end if;
    if char_length(v_value) > p_max then
        perform app.raise_error(
            'FP301', 400, format('%s must have at most %s characters.', p_field, p_max), p_field
        );
    end if;
    return v_value;
end
$$;
comment on function app.check_text(text, text, integer, integer) is
'Trims a text argument and raises FP301 (400, naming the field) unless its length is in range.';

-- A text that ends up in a mail header (company names, cities, display names): check_text, and one
-- line without control or line-separator characters (the tables refuse them too).
create or replace function app.check_line(p_value text, p_field text, p_min integer, p_max integer) returns text
language plpgsql
immutable
as $$
declare
    v_value text := app.check_text(p_value, p_field, p_min, p_max);
begin
    if v_value ~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]' then
        perform app.raise_error(
            'FP301', 400, format('%s must be one line without control characters.', p_field), p_field
        );
    end if;
    return v_value;
end
$$;
comment on function app.check_line(text, text, integer, integer) is
'check_text for one line of text: also refuses control and line-separator characters (FP301).';
grant execute on function app.check_line(text, text, integer, integer)
to sales_rep, sales_manager, auditor, tenant_admin;

grant execute on function app.check_text(text, text, integer, integer)
to sales_rep, sales_manager, auditor, tenant_admin;

-- Writes go through the api functions only. Without this, PATCH or DELETE on a view that joins
-- tables fails with "cannot update view" (SQLSTATE 55000), which PostgREST answers with 500.
-- With an INSTEAD OF trigger every api view is formally updatable, so PostgreSQL checks the
-- caller's privileges first (none: 401/403) and the trigger refuses whatever gets past them.

create or replace function app.tg_api_view__read_only() returns trigger
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

-- The one German date format of every notice and mail (TT.MM.JJJJ).
create or replace function app.format_german_date(p_at text, p_timezone text) returns text
language sql
immutable
as $$
    select coalesce(to_char(p_at::timestamptz at time zone coalesce(p_timezone, 'Europe/Berlin'), 'DD.MM.YYYY'), '')
$$;
comment on function app.format_german_date(text, text) is
'A timestamp as a German date (TT.MM.JJJJ) in a time zone (Europe/Berlin if none); empty for none. The one '
'German date format of every notice and mail.';
grant execute on function app.format_german_date(text, text) to sales_rep, sales_manager, auditor, tenant_admin;

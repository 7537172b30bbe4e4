-- The append-only audit log (SPEC 3.9).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create table app.audit_log (
    id bigint generated always as identity primary key,
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    occurred_at timestamptz not null default app.now(),
    actor_id uuid references app.users (id) on delete set null,
    actor_role text,
    action text not null,
    entity_type text not null,
    entity_id uuid,
    lead_id uuid,
    before jsonb,
    after jsonb,
    reason text,
    request_id text,
    constraint audit_log_action_format check (action ~ '^[a-z_]+\.[a-z_]+$'),
    constraint audit_log_reason_length check (char_length(reason) <= 2000),
    constraint audit_log_request_id_length check (char_length(request_id) <= 200)
);
comment on table app.audit_log is
'Append-only record of every protection decision and settings change. No runtime role may '
'update or delete a row (no privilege, and a trigger refuses it even for the owner).';
comment on column app.audit_log.id is 'Monotonic id: the order rows were written.';
comment on column app.audit_log.tenant_id is 'Tenant the entry belongs to.';
comment on column app.audit_log.occurred_at is 'When the change happened (app.now()).';
comment on column app.audit_log.actor_id is 'The user who acted; null when the system (a job) acted.';
comment on column app.audit_log.actor_role is 'The actor''s web role at the time, or null for the system.';
comment on column app.audit_log.action is 'What happened, e.g. lead.registered, lead.hold_added, settings.changed.';
comment on column app.audit_log.entity_type is 'Kind of entity changed: lead, hold, extension_request, setting, ...';
comment on column app.audit_log.entity_id is 'Id of the entity changed (null for settings).';
comment on column app.audit_log.lead_id is
'The lead concerned, for visibility (a rep sees entries of leads they read).';
comment on column app.audit_log.before is 'State before the change (JSON), or null.';
comment on column app.audit_log.after is 'State after the change (JSON), or null.';
comment on column app.audit_log.reason is 'Reason given by the actor, where the action requires one.';
comment on column app.audit_log.request_id is 'X-Request-Id of the HTTP request that caused it, when known.';

create index audit_log_tenant_time_idx on app.audit_log (tenant_id, occurred_at desc);
create index audit_log_lead_idx on app.audit_log (lead_id, id) where lead_id is not null;
create index audit_log_actor_idx on app.audit_log (actor_id) where actor_id is not null;

create function app_private.tg_audit_log__refuse_change() returns trigger
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

create trigger _100_append_only
before update or delete on app.audit_log
for each row execute function app_private.tg_audit_log__refuse_change();

create trigger _101_no_truncate
before truncate on app.audit_log
for each statement execute function app_private.tg_audit_log__refuse_change();

alter table app.audit_log enable row level security;
-- Row visibility for reps depends on leads (defined later); managers, auditors and admins
-- read the whole tenant. The rep policy is added with the lead tables.
create policy select_tenant on app.audit_log
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.audit_log is
'Managers, auditors and admins read every entry of their tenant.';

grant select on app.audit_log to sales_rep, sales_manager, auditor, tenant_admin;

-- The one way entries are written: actor, role and request id come from the request. Only other
-- definer functions call this one (it is granted to nobody), so "the system" cannot be claimed.
create function app_private.write_audit(
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

-- What the api functions call: an entry by the calling user, in the caller's own tenant only.
create function app_private.audit(
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
begin
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
'Appends one audit entry by the calling user, for their own tenant.';

grant execute on function app_private.audit(uuid, text, text, uuid, uuid, jsonb, jsonb, text)
to sales_rep, sales_manager, auditor, tenant_admin;

-- Extension requests (mode LEAST, SPEC 3.5) and manager overrides (SPEC 3.6).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create table app.extension_requests (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    assignment_id uuid not null references app.lead_assignments (id) on delete cascade,
    days integer not null,
    reason text not null,
    state text not null default 'PENDING',
    requested_by uuid references app.users (id) on delete set null,
    requested_at timestamptz not null default app.now(),
    due_at timestamptz not null,
    decided_by uuid references app.users (id) on delete set null,
    decided_at timestamptz,
    decision_note text,
    escalated_at timestamptz,
    constraint extension_requests_days_range check (days between 1 and 90),
    constraint extension_requests_reason_length check (char_length(btrim(reason)) between 10 and 2000),
    constraint extension_requests_state_known check (state in ('PENDING', 'APPROVED', 'REJECTED')),
    constraint extension_requests_decided_consistent check ((state = 'PENDING') = (decided_at is null)),
    constraint extension_requests_decision_note_length check (char_length(decision_note) <= 2000)
);
comment on table app.extension_requests is
'An owner''s request for more protection days (mode LEAST); a manager decides within 48 hours.';
comment on column app.extension_requests.id is 'Request id.';
comment on column app.extension_requests.tenant_id is 'Tenant.';
comment on column app.extension_requests.lead_id is 'Lead.';
comment on column app.extension_requests.assignment_id is 'Protection cycle the days apply to.';
comment on column app.extension_requests.days is 'Days requested (1-90).';
comment on column app.extension_requests.reason is 'Why (at least 10 characters).';
comment on column app.extension_requests.state is 'PENDING, APPROVED or REJECTED.';
comment on column app.extension_requests.requested_by is 'The owner who asked.';
comment on column app.extension_requests.requested_at is 'When.';
comment on column app.extension_requests.due_at is 'Decision due (48 hours after the request); then it escalates.';
comment on column app.extension_requests.decided_by is 'Manager who decided.';
comment on column app.extension_requests.decided_at is 'When it was decided.';
comment on column app.extension_requests.decision_note is 'Note of the decision.';
comment on column app.extension_requests.escalated_at is 'When it was escalated to tenant admins.';

create index extension_requests_lead_idx on app.extension_requests (lead_id, requested_at desc);
create index extension_requests_assignment_idx on app.extension_requests (assignment_id) where state = 'APPROVED';
create index extension_requests_pending_idx on app.extension_requests (due_at) where state = 'PENDING';
create index extension_requests_tenant_idx on app.extension_requests (tenant_id);
create index extension_requests_requested_by_idx on app.extension_requests (requested_by);
create index extension_requests_decided_by_idx on app.extension_requests (decided_by);
create unique index extension_requests_one_pending_key on app.extension_requests (assignment_id)
where state = 'PENDING';

create table app.protection_overrides (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    assignment_id uuid not null references app.lead_assignments (id) on delete cascade,
    until timestamptz not null,
    reason text not null,
    created_by uuid references app.users (id) on delete set null,
    created_at timestamptz not null default app.now(),
    constraint protection_overrides_reason_length check (char_length(btrim(reason)) between 10 and 2000)
);
comment on table app.protection_overrides is
'Manager overrides: the lead stays ACTIVE until `until`, whatever its progress. The latest of a '
'cycle applies.';
comment on column app.protection_overrides.id is 'Override id.';
comment on column app.protection_overrides.tenant_id is 'Tenant.';
comment on column app.protection_overrides.lead_id is 'Lead.';
comment on column app.protection_overrides.assignment_id is 'Protection cycle it applies to.';
comment on column app.protection_overrides.until is 'Protected at least until then.';
comment on column app.protection_overrides.reason is 'Why (at least 10 characters).';
comment on column app.protection_overrides.created_by is 'Manager.';
comment on column app.protection_overrides.created_at is 'When.';
create index protection_overrides_assignment_idx on app.protection_overrides (assignment_id, created_at desc);
create index protection_overrides_lead_idx on app.protection_overrides (lead_id);
create index protection_overrides_tenant_idx on app.protection_overrides (tenant_id);
create index protection_overrides_created_by_idx on app.protection_overrides (created_by);

alter table app.extension_requests enable row level security;
alter table app.protection_overrides enable row level security;

create policy select_tenant on app.extension_requests
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.extension_requests is 'Managers, auditors and admins read all requests.';

create policy select_readable on app.extension_requests
for select to sales_rep
using (tenant_id = (select app.current_tenant_id()) and app.rep_can_read(lead_id));
comment on policy select_readable on app.extension_requests is 'A rep reads requests of leads they may read in full.';

create policy insert_owner on app.extension_requests
for insert to sales_rep
with check (
    tenant_id = (select app.current_tenant_id())
    and requested_by = (select app.current_user_id())
    and state = 'PENDING'
    and app.rep_can_read(lead_id)
    and exists (
        select from app.leads as l
        where
            l.id = lead_id and l.owner_id = (select app.current_user_id())
            and l.assignment_id = assignment_id
    )
);
comment on policy insert_owner on app.extension_requests is 'The owner asks for an extension while ACTIVE or GRACE.';

create policy update_manager on app.extension_requests
for update to sales_manager
using (tenant_id = (select app.current_tenant_id()))
with check (tenant_id = (select app.current_tenant_id()));
comment on policy update_manager on app.extension_requests is 'Managers decide requests of their tenant.';

create policy select_tenant on app.protection_overrides
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.protection_overrides is 'Managers, auditors and admins read overrides.';

create policy insert_manager on app.protection_overrides
for insert to sales_manager
with check (
    tenant_id = (select app.current_tenant_id())
    and created_by = (select app.current_user_id())
    and exists (
        select from app.leads as l
        where
            l.id = lead_id and l.tenant_id = (select app.current_tenant_id())
            and l.assignment_id = assignment_id
    )
    and until > (select app.now())
    and until <= (select app.now()) + interval '2 years'
);
comment on policy insert_manager on app.protection_overrides is
'Managers override the current cycle of leads of their tenant, at most two years ahead.';

grant select on app.extension_requests to sales_rep, sales_manager, auditor, tenant_admin;
grant insert (tenant_id, lead_id, assignment_id, days, reason, state, requested_by, due_at)
on app.extension_requests to sales_rep;
grant update (state, decided_by, decided_at, decision_note) on app.extension_requests to sales_manager;
grant select on app.protection_overrides to sales_manager, auditor, tenant_admin;
grant insert (tenant_id, lead_id, assignment_id, until, reason, created_by) on app.protection_overrides
to sales_manager;

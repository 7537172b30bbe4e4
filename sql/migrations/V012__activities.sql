-- Activity kinds (per tenant, with the progress flag) and the activity log of leads.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create table app.activity_kinds (
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    kind text not null,
    counts_as_progress boolean not null,
    description text not null,
    primary key (tenant_id, kind),
    constraint activity_kinds_kind_format check (kind ~ '^[A-Z][A-Z_]{1,39}$'),
    constraint activity_kinds_description_length check (char_length(description) between 1 and 300)
);
comment on table app.activity_kinds is
'Kinds of activity per tenant; counts_as_progress decides whether an activity keeps protection alive.';
comment on column app.activity_kinds.tenant_id is 'Tenant (each tenant decides its own flags).';
comment on column app.activity_kinds.kind is 'Kind code, e.g. QUALIFIED_CALL.';
comment on column app.activity_kinds.counts_as_progress is
'Qualifying activity: renews the protection anchor. Changing it applies to existing activities.';
comment on column app.activity_kinds.description is 'What the kind means.';

create table app.default_activity_kinds (
    kind text primary key,
    counts_as_progress boolean not null,
    description text not null
);
comment on table app.default_activity_kinds is 'The kinds every new tenant starts with (SPEC 3.1).';
comment on column app.default_activity_kinds.kind is 'Kind code.';
comment on column app.default_activity_kinds.counts_as_progress is 'Default progress flag.';
comment on column app.default_activity_kinds.description is 'What the kind means.';
alter table app.default_activity_kinds enable row level security;

insert into app.default_activity_kinds (kind, counts_as_progress, description) values
('QUALIFIED_CALL', true, 'Call with a decision maker about needs, products or prices.'),
('CUSTOMER_REACTION', true, 'The customer reacted (reply, call back, request).'),
('SCHEDULED_FOLLOWUP', true, 'A follow-up appointment agreed with the customer.'),
('MEETING', true, 'Meeting with the customer.'),
('DEMO', true, 'Product demonstration or tasting.'),
('ROI_PRESENTATION', true, 'Profitability (ROI) presentation.'),
('SAMPLE_FEEDBACK', true, 'Feedback on a sample box or test phase.'),
('NOTE', false, 'Internal note.'),
('CALL_ATTEMPT', false, 'Call without reaching anyone.'),
('EMAIL_SENT', false, 'E-mail sent to the customer.'),
('EMAIL_RECEIVED', false, 'E-mail received from the customer.'),
('SAMPLE_SENT', false, 'Sample box sent.'),
('FIRST_CONTACT', false, 'First contact.'),
('SYSTEM', false, 'Recorded by the system.');

create function app_private.tg_tenants__seed_activity_kinds() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    insert into app.activity_kinds (tenant_id, kind, counts_as_progress, description)
    select new.id, d.kind, d.counts_as_progress, d.description from app.default_activity_kinds as d;
    return null;
end
$$;
comment on function app_private.tg_tenants__seed_activity_kinds() is 'A new tenant gets the default kinds.';

create trigger _110_seed_activity_kinds
after insert on app.tenants
for each row execute function app_private.tg_tenants__seed_activity_kinds();

insert into app.activity_kinds (tenant_id, kind, counts_as_progress, description)
select
    t.id,
    d.kind,
    d.counts_as_progress,
    d.description
from app.tenants as t cross join app.default_activity_kinds as d;

create table app.activities (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    assignment_id uuid references app.lead_assignments (id) on delete set null,
    kind text not null,
    occurred_at timestamptz not null,
    note text,
    created_by uuid references app.users (id) on delete set null,
    created_at timestamptz not null default app.now(),
    constraint activities_kind_fkey foreign key (tenant_id, kind)
    references app.activity_kinds (tenant_id, kind) on delete restrict,
    constraint activities_note_length check (char_length(note) <= 5000)
);
comment on table app.activities is 'What happened on a lead. Qualifying kinds renew protection.';
comment on column app.activities.id is 'Activity id.';
comment on column app.activities.tenant_id is 'Tenant.';
comment on column app.activities.lead_id is 'Lead.';
comment on column app.activities.assignment_id is 'Protection cycle it was logged in.';
comment on column app.activities.kind is 'Kind (app.activity_kinds of the tenant).';
comment on column app.activities.occurred_at is 'When it happened (between registration and now).';
comment on column app.activities.note is 'Free text.';
comment on column app.activities.created_by is 'Who logged it; null for the system.';
comment on column app.activities.created_at is 'When it was logged.';

create index activities_lead_time_idx on app.activities (lead_id, occurred_at desc);
create index activities_tenant_kind_idx on app.activities (tenant_id, kind);
create index activities_assignment_idx on app.activities (assignment_id);
create index activities_created_by_idx on app.activities (created_by);

alter table app.activity_kinds enable row level security;
alter table app.activities enable row level security;

create policy select_tenant on app.activity_kinds
for select to sales_rep, sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.activity_kinds is 'Everybody reads the kinds of their tenant.';

create policy update_admin on app.activity_kinds
for update to tenant_admin
using (tenant_id = (select app.current_tenant_id()))
with check (tenant_id = (select app.current_tenant_id()));
comment on policy update_admin on app.activity_kinds is
'Tenant admins change the progress flag of their tenant''s kinds.';

create policy select_tenant on app.activities
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.activities is 'Managers, auditors and admins read all activities of the tenant.';

create policy select_readable on app.activities
for select to sales_rep
using (tenant_id = (select app.current_tenant_id()) and app.rep_can_read(lead_id));
comment on policy select_readable on app.activities is 'A rep reads activities of leads they may read in full.';

create policy insert_worker on app.activities
for insert to sales_rep
with check (
    tenant_id = (select app.current_tenant_id())
    and created_by = (select app.current_user_id())
    and app.rep_can_read(lead_id)
    and (
        exists (
            select from app.leads as l
            where l.id = lead_id and l.owner_id = (select app.current_user_id())
        )
        or app_private.collaborator_role(lead_id) in ('ASSIST', 'NEGOTIATE')
    )
    -- in the current cycle, between its registration and now (5 minutes of clock skew)
    and exists (
        select from app.leads as l
        where
            l.id = lead_id and l.assignment_id = assignment_id and occurred_at >= l.registered_at
            and occurred_at <= (select app.now()) + interval '5 minutes'
    )
);
comment on policy insert_worker on app.activities is
'The owner and ASSIST/NEGOTIATE collaborators log activities while the lead is ACTIVE or GRACE.';

grant select on app.activity_kinds to sales_rep, sales_manager, auditor, tenant_admin;
grant update (counts_as_progress) on app.activity_kinds to tenant_admin;
grant select on app.activities to sales_rep, sales_manager, auditor, tenant_admin;
grant insert (tenant_id, lead_id, assignment_id, kind, occurred_at, note, created_by) on app.activities
to sales_rep;

-- Stop-the-clock holds (SPEC 3.4).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

create table app.holds (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    assignment_id uuid not null references app.lead_assignments (id) on delete cascade,
    reason text not null,
    note text,
    start_at timestamptz not null,
    end_at timestamptz,
    state text not null,
    requested_by uuid references app.users (id) on delete set null,
    decided_by uuid references app.users (id) on delete set null,
    decided_at timestamptz,
    decision_note text,
    created_at timestamptz not null default app.now(),
    constraint holds_reason_known check (
        reason in ('FFZ_PRICE_APPROVAL', 'FFZ_SAMPLE_DELAY', 'FFZ_SUPPLY_ISSUE', 'CUSTOMER_BLOCKED', 'OTHER')
    ),
    constraint holds_state_known check (state in ('PENDING', 'APPROVED', 'REJECTED')),
    constraint holds_other_needs_note check (reason <> 'OTHER' or char_length(btrim(note)) >= 10),
    constraint holds_note_length check (char_length(note) <= 2000),
    constraint holds_decision_note_length check (char_length(decision_note) <= 2000),
    constraint holds_end_after_start check (end_at > start_at),
    constraint holds_decided_consistent check ((state = 'PENDING') = (decided_at is null)),
    -- A lead's pending and approved holds never overlap.
    constraint holds_no_overlap exclude using gist (
        lead_id with =, tstzrange(start_at, end_at, '[)') with &&
    ) where (state in ('PENDING', 'APPROVED'))
);
comment on table app.holds is
'Stop-the-clock intervals [start_at, end_at). Approved holds move the deadlines; pending ones wait '
'for a manager; rejected ones never count.';
comment on column app.holds.id is 'Hold id.';
comment on column app.holds.tenant_id is 'Tenant.';
comment on column app.holds.lead_id is 'Lead.';
comment on column app.holds.assignment_id is 'Protection cycle the hold belongs to.';
comment on column app.holds.reason is
'FFZ_PRICE_APPROVAL, FFZ_SAMPLE_DELAY, FFZ_SUPPLY_ISSUE (FreshFoodz), CUSTOMER_BLOCKED, OTHER.';
comment on column app.holds.note is 'Explanation (at least 10 characters for OTHER).';
comment on column app.holds.start_at is 'Start (not in the future, at most 30 days back, not before registration).';
comment on column app.holds.end_at is 'End (exclusive); null while open.';
comment on column app.holds.state is 'PENDING, APPROVED or REJECTED.';
comment on column app.holds.requested_by is 'Who asked for the hold.';
comment on column app.holds.decided_by is 'Who approved or rejected it (the requester for auto-approved holds).';
comment on column app.holds.decided_at is 'When it was decided.';
comment on column app.holds.decision_note is 'Note of the decision.';
comment on column app.holds.created_at is 'When it was requested.';

create index holds_assignment_idx on app.holds (assignment_id, start_at desc) where state = 'APPROVED';
create index holds_lead_idx on app.holds (lead_id, start_at desc);
create index holds_pending_idx on app.holds (tenant_id, created_at) where state = 'PENDING';
create index holds_open_idx on app.holds (start_at) where end_at is null and state = 'APPROVED';
create index holds_requested_by_idx on app.holds (requested_by);
create index holds_decided_by_idx on app.holds (decided_by);

alter table app.holds enable row level security;

create policy select_tenant on app.holds
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.holds is 'Managers, auditors and admins read all holds.';

create policy select_readable on app.holds
for select to sales_rep
using (tenant_id = (select app.current_tenant_id()) and app.rep_can_read(lead_id));
comment on policy select_readable on app.holds is 'A rep reads holds of leads they may read in full.';

create policy insert_owner on app.holds
for insert to sales_rep
with check (
    tenant_id = (select app.current_tenant_id())
    and requested_by = (select app.current_user_id())
    and app.rep_can_read(lead_id)
    and exists (
        select from app.leads as l
        where
            l.id = lead_id and l.owner_id = (select app.current_user_id())
            and l.assignment_id = assignment_id
    )
    and (state = 'PENDING' or (state = 'APPROVED' and reason like 'FFZ\_%'))
    and start_at <= (select app.now())
    and start_at >= (select app.now()) - interval '30 days'
);
comment on policy insert_owner on app.holds is
'The owner adds holds while the lead is ACTIVE or GRACE; only FreshFoodz-caused holds are approved '
'on creation, the others wait for a manager.';

create policy insert_manager on app.holds
for insert to sales_manager
with check (
    tenant_id = (select app.current_tenant_id())
    and requested_by = (select app.current_user_id())
    and exists (
        select from app.leads as l
        where
            l.id = lead_id and l.tenant_id = (select app.current_tenant_id())
            and l.assignment_id = assignment_id
    )
    and start_at <= (select app.now())
    and start_at >= (select app.now()) - interval '30 days'
);
comment on policy insert_manager on app.holds is
'Managers add holds to the current cycle of leads of their tenant (start limits as in add_hold).';

create policy update_owner on app.holds
for update to sales_rep
using (
    tenant_id = (select app.current_tenant_id())
    and app.rep_can_read(lead_id)
    and exists (
        select from app.leads as l
        where l.id = lead_id and l.owner_id = (select app.current_user_id())
    )
)
with check (tenant_id = (select app.current_tenant_id()));
comment on policy update_owner on app.holds is 'The owner ends holds of their lead while it is ACTIVE or GRACE.';

create policy update_manager on app.holds
for update to sales_manager
using (tenant_id = (select app.current_tenant_id()))
with check (tenant_id = (select app.current_tenant_id()));
comment on policy update_manager on app.holds is 'Managers end and decide holds of their tenant.';

grant select on app.holds to sales_rep, sales_manager, auditor, tenant_admin;
grant insert (
    tenant_id, lead_id, assignment_id, reason, note, start_at, end_at, state, requested_by, decided_by,
    decided_at
) on app.holds to sales_rep, sales_manager;
grant update (end_at) on app.holds to sales_rep;
grant update (end_at, state, decided_by, decided_at, decision_note) on app.holds to sales_manager;

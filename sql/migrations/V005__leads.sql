-- Leads, assignments, collaborators, activities, holds, extension requests and overrides.
-- Baseline (first release). Structure only: tables, constraints, indexes, policies, grants and
-- the few functions that policies and column defaults use. Frozen once on main: change it with a
-- new V file. Views and functions live in the R__ files.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- Leads, their contact details, ownership history (assignments) and collaborators, with the
-- per-lead protection state that triggers keep current (V017) and RLS by SPEC 2.4.

-- ------------------------------------------------------------ duplicate keys (SPEC 3.7)
create function app.normalize_company_name(p_name text) returns text
language sql
immutable
parallel safe
as $$
    select btrim(regexp_replace(regexp_replace(regexp_replace(
        translate(
            replace(replace(replace(replace(lower(p_name), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss'),
            'àáâãåāăąçćčďđèéêëēėęěğìíîïīįłñńňòóôõøōőŕřśšşťùúûūůűųýÿžźżæœ',
            'aaaaaaaacccddeeeeeeeegiiiiiilnnnooooooorrsssstuuuuuuuyyzzzeo'
        ),
        -- punctuation and symbols become spaces, so "e.K." and "GmbH & Co. KG" become words
        '[^a-z0-9]+', ' ', 'g'),
        -- legal forms as whole words, the longest first
        '\m(gmbh co kg|gmbh co ohg|ug haftungsbeschraenkt|gmbh|ag|kg|ohg|ug|e k|ek|gbr|mbh)\M', ' ', 'g'),
        ' +', ' ', 'g'))
$$;
comment on function app.normalize_company_name(text) is
'Company name for duplicate detection: lower case, umlauts spelled out, accents removed, legal '
'forms (GmbH, GmbH & Co. KG, AG, KG, OHG, UG, e.K., GbR) dropped, punctuation and spaces collapsed.';

create function app.normalize_postal_code(p_postal_code text) returns text
language sql
immutable
parallel safe
as $$ select upper(regexp_replace(p_postal_code, '[^A-Za-z0-9]', '', 'g')) $$;
comment on function app.normalize_postal_code(text) is 'Postal code without spaces and punctuation, upper case.';

create function app.normalize_vat_id(p_vat_id text) returns text
language sql
immutable
parallel safe
as $$ select nullif(upper(regexp_replace(p_vat_id, '[^A-Za-z0-9]', '', 'g')), '') $$;
comment on function app.normalize_vat_id(text) is 'VAT id without spaces and punctuation, upper case.';

grant execute on function app.normalize_company_name(text) to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

grant execute on function app.normalize_postal_code(text) to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

grant execute on function app.normalize_vat_id(text) to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

-- ------------------------------------------------------------ tables
create table app.leads (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    company_name text not null,
    postal_code text not null,
    city text not null,
    name_key text generated always as (app.normalize_company_name(company_name)) stored,
    dup_key text generated always as (
        app.normalize_company_name(company_name) || '|' || app.normalize_postal_code(postal_code)
    ) stored,
    vat_key text,
    created_by uuid references app.users (id) on delete set null,
    created_at timestamptz not null default app.now(),
    -- protection state of the current cycle, maintained by triggers (V017), never by callers
    owner_id uuid references app.users (id) on delete restrict,
    assignment_id uuid,
    registered_at timestamptz,
    anchor_at timestamptz,
    held_since_anchor interval not null default '0',
    held_since_registration interval not null default '0',
    hold_start timestamptz,
    hold_end timestamptz,
    hold_reason text,
    extension_days integer not null default 0,
    override_until timestamptz,
    released_at timestamptz,
    pseudonymized_at timestamptz,
    constraint leads_company_name_length check (char_length(company_name) between 2 and 200),
    constraint leads_postal_code_format check (postal_code ~ '^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$'),
    constraint leads_city_length check (char_length(city) between 1 and 100),
    -- company name and city end up in mail subjects: one line, no control or line-separator characters
    constraint leads_company_name_one_line check (company_name !~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]'),
    constraint leads_city_one_line check (city !~ '[\x01-\x1f\x7f-\x9f\u2028\u2029]'),
    constraint leads_vat_key_format check (vat_key ~ '^[A-Z]{2}[A-Z0-9]{2,13}$'),
    constraint leads_owner_state check (
        (owner_id is null) = (assignment_id is null)
        and (owner_id is null) = (registered_at is null)
        and (owner_id is null) = (anchor_at is null)
    )
);
comment on table app.leads is
'A prospect company. Who owns it now and the state of the current protection cycle are kept '
'here (by triggers), so one lead''s protection is a single-row read.';
comment on column app.leads.id is 'Lead id.';
comment on column app.leads.tenant_id is 'Tenant.';
comment on column app.leads.company_name is 'Company name as registered.';
comment on column app.leads.postal_code is 'Postal code.';
comment on column app.leads.city is 'City.';
comment on column app.leads.name_key is 'Normalised company name (trigram similarity).';
comment on column app.leads.dup_key is 'Normalised name and postal code: unique per tenant (hard duplicate).';
comment on column app.leads.vat_key is 'Normalised VAT id: unique per tenant when present.';
comment on column app.leads.created_by is 'User who registered the lead first.';
comment on column app.leads.created_at is 'When the lead was created.';
comment on column app.leads.owner_id is 'Current owner (open assignment), null in the pool.';
comment on column app.leads.assignment_id is 'The open assignment, null in the pool.';
comment on column app.leads.registered_at is 'registered_at of the open assignment.';
comment on column app.leads.anchor_at is 'Latest qualifying activity since registration, or registered_at.';
comment on column app.leads.held_since_anchor is
'Approved hold time since the anchor, all holds of the cycle but the latest (seconds).';
comment on column app.leads.held_since_registration is
'Approved hold time since registration, all holds of the cycle but the latest (seconds).';
comment on column app.leads.hold_start is 'Start of the latest approved hold of the cycle.';
comment on column app.leads.hold_end is 'End of the latest approved hold (null while open).';
comment on column app.leads.hold_reason is 'Reason of the latest approved hold (selects its cap).';
comment on column app.leads.extension_days is 'Approved extension days of the cycle.';
comment on column app.leads.override_until is 'Manager override of the cycle: protected at least until then.';
comment on column app.leads.released_at is 'When the lead last went back to the pool.';
comment on column app.leads.pseudonymized_at is 'When contact data was pseudonymised (GDPR).';

create unique index leads_tenant_dup_key on app.leads (tenant_id, dup_key);
create unique index leads_tenant_vat_key on app.leads (tenant_id, vat_key) where vat_key is not null;
create index leads_owner_idx on app.leads (owner_id, registered_at desc) where owner_id is not null;
create index leads_pool_idx on app.leads (tenant_id, released_at) where owner_id is null;
create index leads_created_by_idx on app.leads (created_by);
create index leads_name_trgm_idx on app.leads using gin (name_key extensions.gin_trgm_ops);

create table app.lead_details (
    lead_id uuid primary key references app.leads (id) on delete cascade,
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    street text,
    country text not null default 'DE',
    vat_id text,
    contact_name text,
    contact_email text,
    contact_phone text,
    notes text,
    constraint lead_details_street_length check (char_length(street) between 1 and 200),
    constraint lead_details_country_format check (country ~ '^[A-Z]{2}$'),
    constraint lead_details_vat_id_length check (char_length(vat_id) between 4 and 20),
    constraint lead_details_contact_name_length check (char_length(contact_name) between 1 and 200),
    constraint lead_details_contact_email_format check (
        char_length(contact_email) <= 254
        and contact_email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
        or char_length(contact_email) = 64 and contact_email ~ '^[0-9a-f]{64}$'
    ),
    constraint lead_details_contact_phone_format check (contact_phone ~ '^\+?[0-9 ()/.-]{3,40}$'),
    constraint lead_details_notes_length check (char_length(notes) <= 5000)
);
comment on table app.lead_details is
'Address and contact data of a lead: only for those who may read the lead in full (not the pool).';
comment on column app.lead_details.lead_id is 'Lead.';
comment on column app.lead_details.tenant_id is 'Tenant (same as the lead).';
comment on column app.lead_details.street is 'Street and number.';
comment on column app.lead_details.country is 'ISO 3166 country code.';
comment on column app.lead_details.vat_id is 'VAT id as entered.';
comment on column app.lead_details.contact_name is 'Contact person (ANONYMIZED after pseudonymisation).';
comment on column app.lead_details.contact_email is 'Contact e-mail (its SHA-256 hex after pseudonymisation).';
comment on column app.lead_details.contact_phone is 'Contact phone.';
comment on column app.lead_details.notes is 'Free notes.';
create index lead_details_tenant_idx on app.lead_details (tenant_id);

create table app.lead_assignments (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    owner_id uuid not null references app.users (id) on delete restrict,
    registered_at timestamptz not null,
    open_reason text not null,
    opened_at timestamptz not null default app.now(),
    opened_by uuid references app.users (id) on delete set null,
    closed_at timestamptz,
    closed_by uuid references app.users (id) on delete set null,
    release_reason text,
    protection_ended_at timestamptz,
    constraint lead_assignments_open_reason_known check (
        open_reason in ('REGISTERED', 'CLAIMED', 'TRANSFERRED', 'ASSIGNED')
    ),
    constraint lead_assignments_release_reason_known check (
        release_reason in ('EXPIRED', 'EXPIRED_NOW', 'TRANSFERRED')
    ),
    constraint lead_assignments_closed_consistent check (
        (closed_at is null) = (release_reason is null)
        and (release_reason in ('EXPIRED', 'EXPIRED_NOW')) = (protection_ended_at is not null)
    )
);
comment on table app.lead_assignments is
'Ownership history: one row per protection cycle. At most one is open per lead.';
comment on column app.lead_assignments.id is 'Assignment id.';
comment on column app.lead_assignments.tenant_id is 'Tenant.';
comment on column app.lead_assignments.lead_id is 'Lead.';
comment on column app.lead_assignments.owner_id is 'Owner during this cycle.';
comment on column app.lead_assignments.registered_at is 'Start of protection (may be backdated by a manager).';
comment on column app.lead_assignments.open_reason is 'REGISTERED, CLAIMED, TRANSFERRED or ASSIGNED (by a manager).';
comment on column app.lead_assignments.opened_at is 'When the row was written.';
comment on column app.lead_assignments.opened_by is 'Who opened it (the owner, or a manager).';
comment on column app.lead_assignments.closed_at is 'When the cycle ended; null while open.';
comment on column app.lead_assignments.closed_by is 'Who ended it; null for the system.';
comment on column app.lead_assignments.release_reason is 'EXPIRED (deadline), EXPIRED_NOW (manager), TRANSFERRED.';
comment on column app.lead_assignments.protection_ended_at is
'When protection ended for an expiry (the claim cooldown counts from here).';

create unique index lead_assignments_one_open_key on app.lead_assignments (lead_id) where closed_at is null;
create index lead_assignments_lead_idx on app.lead_assignments (lead_id, opened_at desc);
create index lead_assignments_owner_opened_idx on app.lead_assignments (owner_id, opened_at desc);
create index lead_assignments_opened_by_idx on app.lead_assignments (opened_by);
create index lead_assignments_closed_by_idx on app.lead_assignments (closed_by);
create index lead_assignments_tenant_idx on app.lead_assignments (tenant_id);

alter table app.leads
add constraint leads_assignment_fkey foreign key (assignment_id)
references app.lead_assignments (id) on delete set null;
create index leads_assignment_idx on app.leads (assignment_id);

create table app.collaborators (
    lead_id uuid not null references app.leads (id) on delete cascade,
    user_id uuid not null references app.users (id) on delete cascade,
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    role text not null,
    added_by uuid references app.users (id) on delete set null,
    added_at timestamptz not null default app.now(),
    primary key (lead_id, user_id),
    constraint collaborators_role_known check (role in ('VIEW', 'ASSIST', 'NEGOTIATE'))
);
comment on table app.collaborators is
'Colleagues working on a lead without owning it: VIEW reads, ASSIST and NEGOTIATE may log activities.';
comment on column app.collaborators.lead_id is 'Lead.';
comment on column app.collaborators.user_id is 'Collaborating user (same tenant, not the owner).';
comment on column app.collaborators.tenant_id is 'Tenant.';
comment on column app.collaborators.role is 'VIEW, ASSIST or NEGOTIATE.';
comment on column app.collaborators.added_by is 'Who added the collaborator.';
comment on column app.collaborators.added_at is 'When.';
create index collaborators_user_idx on app.collaborators (user_id);
create index collaborators_added_by_idx on app.collaborators (added_by);
create index collaborators_tenant_idx on app.collaborators (tenant_id);

-- ------------------------------------------------------------ helpers for the policies
-- Definer helpers read collaborators without RLS, which breaks the cycle leads -> collaborators
-- -> leads that policies on both tables would otherwise form.
create function app_private.my_collaborations() returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$ select c.lead_id from app.collaborators as c where c.user_id = app.current_user_id() $$;
comment on function app_private.my_collaborations() is 'Leads the caller collaborates on.';

create function app_private.collaborator_role(p_lead_id uuid) returns text
language sql
stable
security definer
set search_path = ''
as $$
    select c.role from app.collaborators as c
    where c.lead_id = p_lead_id and c.user_id = app.current_user_id()
$$;
comment on function app_private.collaborator_role(uuid) is
'The caller''s collaborator role on a lead, or null.';

grant execute on function app_private.my_collaborations() to sales_rep, sales_manager, auditor, tenant_admin;

grant execute on function app_private.collaborator_role(uuid) to sales_rep, sales_manager, auditor, tenant_admin;
-- Row-level policies call this function, so it is structure and lives here; its body calls the
-- protection rules, which live in a repeatable file that runs after every V file. Its body is
-- therefore checked when it first runs (and by plpgsql_check in the catalog test), not here.
set local check_function_bodies = off;

-- May the caller (a rep) read this lead in full: they own it or collaborate on it, and its
-- protection is ACTIVE or GRACE right now.
create function app.rep_can_read(p_lead_id uuid) returns boolean
language sql
stable
as $$
    select exists (
        select
        from app.leads as l
        where
            l.id = p_lead_id
            and (l.owner_id = app.current_user_id() or app_private.collaborator_role(l.id) is not null)
            and app.lead_status(l, app.my_protection_config(), app.now()) in ('ACTIVE', 'GRACE')
    )
$$;

set local check_function_bodies = on;
comment on function app.rep_can_read(uuid) is
'True when the calling rep owns or collaborates on the lead and it is ACTIVE or GRACE.';
grant execute on function app.rep_can_read(uuid) to sales_rep;

-- ------------------------------------------------------------ row-level security
alter table app.leads enable row level security;
alter table app.lead_details enable row level security;
alter table app.lead_assignments enable row level security;
alter table app.collaborators enable row level security;

create policy select_tenant on app.leads
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.leads is 'Managers, auditors and admins read every lead of their tenant.';

create policy select_visible on app.leads
for select to sales_rep
using (
    tenant_id = (select app.current_tenant_id())
    and (
        owner_id is null
        or owner_id = (select app.current_user_id())
        or id in (select app_private.my_collaborations())
    )
);
comment on policy select_visible on app.leads is
'A rep reads their own and collaborated leads and the pool (never owned or released); another rep''s '
'lead is invisible until it is released. Contact data and history of a lead need more: an ACTIVE or '
'GRACE protection (app.rep_can_read). No status is computed here, so a rep''s list uses the owner index.';

create policy insert_own on app.leads
for insert to sales_rep, sales_manager
with check (tenant_id = (select app.current_tenant_id()) and created_by = (select app.current_user_id()));
comment on policy insert_own on app.leads is 'Reps and managers register leads in their tenant, as themselves.';

create policy select_tenant on app.lead_details
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.lead_details is
'Managers, auditors and admins read all contact data of the tenant.';

create policy select_readable on app.lead_details
for select to sales_rep
using (tenant_id = (select app.current_tenant_id()) and app.rep_can_read(lead_id));
comment on policy select_readable on app.lead_details is
'A rep reads contact data of leads they own or collaborate on while ACTIVE or GRACE.';

create policy insert_own on app.lead_details
for insert to sales_rep, sales_manager
with check (
    tenant_id = (select app.current_tenant_id())
    and exists (
        select from app.leads as l
        where l.id = lead_id and l.created_by = (select app.current_user_id()) and l.owner_id is null
    )
);
comment on policy insert_own on app.lead_details is
'Details are written with the registration, by the registering user, before ownership starts.';

create policy select_tenant on app.lead_assignments
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.lead_assignments is 'Managers, auditors and admins read all ownership history.';

create policy select_readable on app.lead_assignments
for select to sales_rep
using (tenant_id = (select app.current_tenant_id()) and app.rep_can_read(lead_id));
comment on policy select_readable on app.lead_assignments is
'A rep reads the ownership history of leads they may read in full.';

create policy select_tenant on app.collaborators
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.collaborators is 'Managers, auditors and admins read all collaborators.';

create policy select_readable on app.collaborators
for select to sales_rep
using (tenant_id = (select app.current_tenant_id()) and app.rep_can_read(lead_id));
comment on policy select_readable on app.collaborators is
'A rep reads the collaborators of leads they may read in full.';

create policy insert_owner on app.collaborators
for insert to sales_rep
with check (
    tenant_id = (select app.current_tenant_id())
    and added_by = (select app.current_user_id())
    and exists (
        select from app.leads as l
        where l.id = lead_id and l.owner_id = (select app.current_user_id())
    )
    and app.rep_can_read(lead_id)
    -- (users are visible within the tenant only)
    and exists (
        select from app.users as u
        where u.id = user_id and u.active
    )
);
comment on policy insert_owner on app.collaborators is
'The owner adds colleagues of the tenant as collaborators while the lead is ACTIVE or GRACE.';

create policy insert_manager on app.collaborators
for insert to sales_manager
with check (
    tenant_id = (select app.current_tenant_id())
    and added_by = (select app.current_user_id())
    and exists (
        select from app.leads as l
        where l.id = lead_id and l.tenant_id = (select app.current_tenant_id())
    )
    and exists (
        select from app.users as u
        where u.id = user_id and u.active
    )
);
comment on policy insert_manager on app.collaborators is
'Managers add colleagues of the tenant as collaborators to any lead of their tenant.';

create policy delete_owner on app.collaborators
for delete to sales_rep
using (
    tenant_id = (select app.current_tenant_id())
    and exists (
        select from app.leads as l
        where l.id = lead_id and l.owner_id = (select app.current_user_id())
    )
    and app.rep_can_read(lead_id)
);
comment on policy delete_owner on app.collaborators is
'The owner removes collaborators while the lead is ACTIVE or GRACE.';

create policy delete_manager on app.collaborators
for delete to sales_manager
using (tenant_id = (select app.current_tenant_id()));
comment on policy delete_manager on app.collaborators is 'Managers remove collaborators of any lead of their tenant.';

create policy select_readable on app.audit_log
for select to sales_rep
using (tenant_id = (select app.current_tenant_id()) and lead_id is not null and app.rep_can_read(lead_id));
comment on policy select_readable on app.audit_log is 'A rep reads entries about leads they may read in full.';

-- The protection-state columns are not granted to anyone: triggers (definer) maintain them.
-- Reps need every column: the policies pass whole rows to app.lead_status.
grant select on app.leads to sales_rep, sales_manager, auditor, tenant_admin;
grant insert (tenant_id, company_name, postal_code, city, vat_key, created_by) on app.leads
to sales_rep, sales_manager;
grant select on app.lead_details to sales_rep, sales_manager, auditor, tenant_admin;
grant insert (
    lead_id, tenant_id, street, country, vat_id, contact_name, contact_email, contact_phone, notes
) on app.lead_details to sales_rep, sales_manager;
grant select on app.lead_assignments to sales_rep, sales_manager, auditor, tenant_admin;
grant select on app.collaborators to sales_rep, sales_manager, auditor, tenant_admin;
grant insert (lead_id, user_id, tenant_id, role, added_by) on app.collaborators to sales_rep, sales_manager;
grant delete on app.collaborators to sales_rep, sales_manager;

-- Activity kinds (per tenant, with the progress flag) and the activity log of leads.

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

-- Stop-the-clock holds (SPEC 3.4).

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

-- Extension requests (mode LEAST, SPEC 3.5) and manager overrides (SPEC 3.6).

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

-- api functions for registration, duplicates, claims, activities and collaborators (SPEC 4.2).

-- (A type, because the result columns share names with the arguments.)
create type app.similar_lead as (
    id uuid, company_name text, postal_code text, city text, similarity real, status text
);
comment on type app.similar_lead is 'A row of api.find_similar_leads.';
grant usage on type app.similar_lead to sales_rep, sales_manager, auditor, tenant_admin;

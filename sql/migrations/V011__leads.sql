-- Leads, their contact details, ownership history (assignments) and collaborators, with the
-- per-lead protection state that triggers keep current (V017) and RLS by SPEC 2.4.
set local lock_timeout = '5s';
set local statement_timeout = '60s';

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

grant execute on function
app.normalize_company_name(text), app.normalize_postal_code(text), app.normalize_vat_id(text)
to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

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

grant execute on function app_private.my_collaborations(), app_private.collaborator_role(uuid)
to sales_rep, sales_manager, auditor, tenant_admin;

-- The caller's tenant configuration as one value (an InitPlan: evaluated once per statement).
create function app.my_protection_config() returns app.protection_configs
language sql
stable
as $$ select c from app.protection_configs as c where c.tenant_id = app.current_tenant_id() $$;
comment on function app.my_protection_config() is 'The protection configuration of the caller''s tenant.';

-- Deadlines of a lead row with its tenant's configuration, at time p_at (for single leads; queries
-- over many leads call app.protection_deadlines with columns, which is much cheaper per row).
create function app.lead_deadlines(p_lead app.leads, p_config app.protection_configs, p_at timestamptz)
returns table (
    progress_due_at timestamptz,
    warning_at timestamptz,
    grace_until timestamptz,
    term_end_at timestamptz,
    expires_at timestamptz,
    status text,
    clock_stopped boolean,
    held_seconds numeric
)
language sql
immutable
parallel safe
as $$
    select d.*
    from app.protection_deadlines(
        p_lead.registered_at, p_lead.anchor_at, p_lead.held_since_anchor, p_lead.held_since_registration,
        p_lead.hold_start, p_lead.hold_end, p_lead.hold_reason, p_lead.extension_days,
        p_lead.override_until, p_config.timezone, p_config.progress_days, p_config.warning_days,
        p_config.grace_days, p_config.base_months, p_config.mode, p_config.hold_max_days, p_at
    ) as d
$$;
comment on function app.lead_deadlines(app.leads, app.protection_configs, timestamptz) is
'app.protection_deadlines for a lead row.';

-- Protection status of a lead at p_at: UNASSIGNED or EXPIRED in the pool, else by the deadlines.
create function app.lead_status(p_lead app.leads, p_config app.protection_configs, p_at timestamptz)
returns text
language sql
immutable
parallel safe
as $$
    select case
        when p_lead.owner_id is null then case when p_lead.released_at is null then 'UNASSIGNED' else 'EXPIRED' end
        else (select d.status from app.lead_deadlines(p_lead, p_config, p_at) as d)
    end
$$;
comment on function app.lead_status(app.leads, app.protection_configs, timestamptz) is
'UNASSIGNED, ACTIVE, GRACE or EXPIRED.';

grant execute on function
app.my_protection_config(),
app.lead_deadlines(app.leads, app.protection_configs, timestamptz),
app.lead_status(app.leads, app.protection_configs, timestamptz)
to sales_rep, sales_manager, auditor, tenant_admin, svc_jobs;

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

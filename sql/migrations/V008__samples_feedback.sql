-- Products, sample boxes, test phases, results, feedback links and customer feedback.
-- Baseline (first release). Structure only: tables, constraints, indexes, policies, grants and
-- the few functions that policies and column defaults use. Frozen once on main: change it with a
-- new V file. Views and functions live in the R__ files.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- The product catalogue (filled by demo data now, by the Xentral sync later).

create table app.products (
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    sku text not null,
    name text not null,
    unit text not null,
    active boolean not null default true,
    updated_at timestamptz not null default app.now(),
    primary key (tenant_id, sku),
    constraint products_sku_format check (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    constraint products_name_length check (char_length(name) between 1 and 200),
    constraint products_unit_length check (char_length(unit) between 1 and 30)
);
comment on table app.products is 'Products a tenant sells (Cook&Fresh catalogue).';
comment on column app.products.tenant_id is 'Tenant.';
comment on column app.products.sku is 'Article number.';
comment on column app.products.name is 'Product name.';
comment on column app.products.unit is 'Sales unit, e.g. "Karton 6 x 1 kg".';
comment on column app.products.active is 'False when no longer sold.';
comment on column app.products.updated_at is 'Last change.';

alter table app.products enable row level security;
create policy select_tenant on app.products
for select to sales_rep, sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.products is 'Everybody reads the catalogue of their tenant.';
grant select on app.products to sales_rep, sales_manager, auditor, tenant_admin;

-- Sample boxes, test phases, test results and product feedback (SPEC 6), with the feedback link
-- tokens. The owner of a live lead and managers write (through the api functions); collaborators
-- read; managers, auditors and admins read the tenant; nobody else sees anything.

-- Random bytes for the feedback tokens (trusted extension, so the migrator may create it).
create extension if not exists pgcrypto with schema extensions;
-- Row-level policies call this function, so it is structure and lives here; its body calls the
-- protection rules, which live in a repeatable file that runs after every V file. Its body is
-- therefore checked when it first runs (and by plpgsql_check in the catalog test), not here.
set local check_function_bodies = off;

-- A rep owns the lead and its protection is ACTIVE or GRACE: the condition for writing samples.
create function app.rep_owns_live_lead(p_lead_id uuid) returns boolean
language sql
stable
as $$
    select exists (
        select
        from app.leads as l
        where
            l.id = p_lead_id
            and l.owner_id = app.current_user_id()
            and app.lead_status(l, app.my_protection_config(), app.now()) in ('ACTIVE', 'GRACE')
    )
$$;

set local check_function_bodies = on;
comment on function app.rep_owns_live_lead(uuid) is
'True when the calling rep owns the lead and its protection is ACTIVE or GRACE.';
grant execute on function app.rep_owns_live_lead(uuid) to sales_rep;

-- ------------------------------------------------------------ tables
create table app.sample_boxes (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    configured_by uuid references app.users (id) on delete set null,
    configured_at timestamptz not null default app.now(),
    notes text,
    constraint sample_boxes_notes_length check (char_length(notes) <= 2000)
);
comment on table app.sample_boxes is 'A box of product samples put together for a lead.';
comment on column app.sample_boxes.id is 'Box id.';
comment on column app.sample_boxes.tenant_id is 'Tenant.';
comment on column app.sample_boxes.lead_id is 'Lead the box is for.';
comment on column app.sample_boxes.configured_by is 'Who put it together.';
comment on column app.sample_boxes.configured_at is 'When.';
comment on column app.sample_boxes.notes is 'Free text (delivery, special wishes).';
create index sample_boxes_lead_idx on app.sample_boxes (lead_id);
create index sample_boxes_tenant_idx on app.sample_boxes (tenant_id);
create index sample_boxes_configured_by_idx on app.sample_boxes (configured_by);

create table app.sample_box_items (
    box_id uuid not null references app.sample_boxes (id) on delete cascade,
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    sku text not null,
    qty integer not null,
    primary key (box_id, sku),
    constraint sample_box_items_product_fkey foreign key (tenant_id, sku)
    references app.products (tenant_id, sku) on delete restrict,
    constraint sample_box_items_qty_range check (qty between 1 and 1000)
);
comment on table app.sample_box_items is 'The products in a sample box (each product once).';
comment on column app.sample_box_items.box_id is 'Box.';
comment on column app.sample_box_items.tenant_id is 'Tenant.';
comment on column app.sample_box_items.lead_id is 'Lead of the box (for row-level security).';
comment on column app.sample_box_items.sku is 'Article number (app.products of the tenant).';
comment on column app.sample_box_items.qty is 'Number of sales units, 1 to 1000.';
create index sample_box_items_product_idx on app.sample_box_items (tenant_id, sku);
create index sample_box_items_lead_idx on app.sample_box_items (lead_id);

create table app.test_phases (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    box_id uuid not null references app.sample_boxes (id) on delete cascade,
    stage text not null,
    start_date date not null,
    end_date date,
    created_by uuid references app.users (id) on delete set null,
    created_at timestamptz not null default app.now(),
    constraint test_phases_stage_known check (stage in ('SAMPLE', 'TRIAL', 'PRODUCTION_CANDIDATE')),
    constraint test_phases_dates_ordered check (end_date >= start_date)
);
comment on table app.test_phases is 'A test of a sample box at the customer: sample, trial or production candidate.';
comment on column app.test_phases.id is 'Phase id.';
comment on column app.test_phases.tenant_id is 'Tenant.';
comment on column app.test_phases.lead_id is 'Lead (the box''s).';
comment on column app.test_phases.box_id is 'Sample box tested.';
comment on column app.test_phases.stage is 'SAMPLE, TRIAL or PRODUCTION_CANDIDATE.';
comment on column app.test_phases.start_date is 'First day.';
comment on column app.test_phases.end_date is 'Last day; null while open-ended.';
comment on column app.test_phases.created_by is 'Who started it.';
comment on column app.test_phases.created_at is 'When it was started.';
create index test_phases_lead_idx on app.test_phases (lead_id);
create index test_phases_box_idx on app.test_phases (box_id);
create index test_phases_tenant_idx on app.test_phases (tenant_id);
create index test_phases_created_by_idx on app.test_phases (created_by);

create table app.test_results (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    phase_id uuid not null references app.test_phases (id) on delete cascade,
    sku text not null,
    outcome text not null,
    sell_through numeric(5, 2),
    waste_delta numeric(5, 2),
    notes text,
    recorded_by uuid references app.users (id) on delete set null,
    recorded_at timestamptz not null default app.now(),
    constraint test_results_product_fkey foreign key (tenant_id, sku)
    references app.products (tenant_id, sku) on delete restrict,
    constraint test_results_outcome_known check (outcome in ('SUCCESS', 'MIXED', 'FAIL')),
    constraint test_results_sell_through_range check (sell_through between 0 and 100),
    constraint test_results_waste_delta_range check (waste_delta between -100 and 100),
    constraint test_results_notes_length check (char_length(notes) <= 2000)
);
comment on table app.test_results is
'The result of a test phase per product (one row per product; recording again replaces it).';
comment on column app.test_results.id is 'Result id.';
comment on column app.test_results.tenant_id is 'Tenant.';
comment on column app.test_results.lead_id is 'Lead.';
comment on column app.test_results.phase_id is 'Test phase.';
comment on column app.test_results.sku is 'Article number (a product of the phase''s box).';
comment on column app.test_results.outcome is 'SUCCESS, MIXED or FAIL.';
comment on column app.test_results.sell_through is 'Share sold to guests, in percent (0 to 100).';
comment on column app.test_results.waste_delta is 'Change of waste against before, in percentage points (-100 to 100).';
comment on column app.test_results.notes is 'Free text.';
comment on column app.test_results.recorded_by is 'Who recorded it.';
comment on column app.test_results.recorded_at is 'When it was recorded (last).';
create unique index test_results_phase_sku_key on app.test_results (phase_id, sku);
create index test_results_lead_idx on app.test_results (lead_id);
create index test_results_tenant_idx on app.test_results (tenant_id, sku);
create index test_results_recorded_by_idx on app.test_results (recorded_by);

-- Only the hash of a token is stored; the raw token exists once, in the answer to whoever issued it
-- (and in the pending invitation mail, which forgets it when it is sent or cancelled).
create table app_private.feedback_tokens (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    phase_id uuid not null references app.test_phases (id) on delete cascade,
    token_hash bytea not null,
    created_by uuid references app.users (id) on delete set null,
    created_at timestamptz not null default app.now(),
    expires_at timestamptz not null,
    revoked_at timestamptz,
    submissions integer not null default 0,
    max_submissions integer not null,
    constraint feedback_tokens_hash_length check (octet_length(token_hash) = 32),
    constraint feedback_tokens_submissions_range check (submissions between 0 and max_submissions),
    constraint feedback_tokens_max_submissions_range check (max_submissions between 1 and 50)
);
comment on table app_private.feedback_tokens is
'Feedback links of test phases: the SHA-256 of the token, its expiry, revocation and submission count.';
comment on column app_private.feedback_tokens.id is 'Token id (never the token).';
comment on column app_private.feedback_tokens.tenant_id is 'Tenant.';
comment on column app_private.feedback_tokens.lead_id is 'Lead.';
comment on column app_private.feedback_tokens.phase_id is 'Test phase the link collects feedback for.';
comment on column app_private.feedback_tokens.token_hash is 'SHA-256 of the raw token (32 bytes).';
comment on column app_private.feedback_tokens.created_by is 'Who issued it.';
comment on column app_private.feedback_tokens.created_at is 'When it was issued.';
comment on column app_private.feedback_tokens.expires_at is 'Unusable from then on.';
comment on column app_private.feedback_tokens.revoked_at is 'When it was revoked (or replaced by rotation).';
comment on column app_private.feedback_tokens.submissions is 'Submissions accepted so far.';
comment on column app_private.feedback_tokens.max_submissions is 'Submissions it accepts in total.';
create unique index feedback_tokens_hash_key on app_private.feedback_tokens (token_hash);
create index feedback_tokens_phase_idx on app_private.feedback_tokens (phase_id, created_at desc);
create index feedback_tokens_lead_idx on app_private.feedback_tokens (lead_id);
create index feedback_tokens_tenant_idx on app_private.feedback_tokens (tenant_id);
create index feedback_tokens_created_by_idx on app_private.feedback_tokens (created_by);

create table app.feedback_submissions (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    phase_id uuid not null references app.test_phases (id) on delete cascade,
    token_id uuid not null references app_private.feedback_tokens (id) on delete cascade,
    contact_name text,
    contact_role text,
    comment text,
    submission_key uuid,
    received_at timestamptz not null default app.now(),
    constraint feedback_submissions_contact_name_length check (char_length(contact_name) between 1 and 200),
    constraint feedback_submissions_contact_role_known check (contact_role in ('CHEF', 'BUYER', 'GM', 'OTHER')),
    constraint feedback_submissions_comment_length check (char_length(comment) <= 2000)
);
comment on table app.feedback_submissions is
'One submission of the public feedback form (its product rows are in product_feedback).';
comment on column app.feedback_submissions.id is 'Submission id.';
comment on column app.feedback_submissions.tenant_id is 'Tenant.';
comment on column app.feedback_submissions.lead_id is 'Lead.';
comment on column app.feedback_submissions.phase_id is 'Test phase.';
comment on column app.feedback_submissions.token_id is 'The feedback link used.';
comment on column app.feedback_submissions.contact_name is 'Who filled in the form (as they wrote it).';
comment on column app.feedback_submissions.contact_role is 'CHEF, BUYER, GM or OTHER.';
comment on column app.feedback_submissions.comment is 'Overall comment.';
comment on column app.feedback_submissions.received_at is 'When it arrived.';
comment on column app.feedback_submissions.submission_key is
'The form''s one-time key: the same form posted again (reload, double tap) is stored once.';
create index feedback_submissions_phase_idx on app.feedback_submissions (phase_id, received_at);
create index feedback_submissions_lead_idx on app.feedback_submissions (lead_id);
create index feedback_submissions_tenant_idx on app.feedback_submissions (tenant_id);
create unique index feedback_submissions_token_key on app.feedback_submissions (token_id, submission_key);

create table app.product_feedback (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    phase_id uuid not null references app.test_phases (id) on delete cascade,
    submission_id uuid references app.feedback_submissions (id) on delete cascade,
    sku text not null,
    rating integer not null,
    comment text,
    would_reorder boolean,
    contact_name text,
    contact_role text,
    source text not null,
    received_at timestamptz not null default app.now(),
    recorded_by uuid references app.users (id) on delete set null,
    constraint product_feedback_product_fkey foreign key (tenant_id, sku)
    references app.products (tenant_id, sku) on delete restrict,
    constraint product_feedback_rating_range check (rating between 1 and 5),
    constraint product_feedback_comment_length check (char_length(comment) <= 2000),
    constraint product_feedback_contact_name_length check (char_length(contact_name) between 1 and 200),
    constraint product_feedback_contact_role_known check (contact_role in ('CHEF', 'BUYER', 'GM', 'OTHER')),
    constraint product_feedback_source_known check (source in ('EMAIL', 'FORM', 'PHONE', 'VISIT')),
    constraint product_feedback_form_has_submission check ((source = 'FORM') = (submission_id is not null))
);
comment on table app.product_feedback is
'Customer feedback on one product of a test phase: from the feedback form (FORM) or recorded by the rep.';
comment on column app.product_feedback.id is 'Feedback id.';
comment on column app.product_feedback.tenant_id is 'Tenant.';
comment on column app.product_feedback.lead_id is 'Lead.';
comment on column app.product_feedback.phase_id is 'Test phase.';
comment on column app.product_feedback.submission_id is 'The form submission it came with (source FORM only).';
comment on column app.product_feedback.sku is 'Article number (a product of the phase''s box).';
comment on column app.product_feedback.rating is 'Rating, 1 (poor) to 5 (excellent) stars.';
comment on column app.product_feedback.comment is 'Comment on the product.';
comment on column app.product_feedback.would_reorder is 'Whether the customer would reorder; null: no answer.';
comment on column app.product_feedback.contact_name is 'Who gave the feedback.';
comment on column app.product_feedback.contact_role is 'CHEF, BUYER, GM or OTHER.';
comment on column app.product_feedback.source is 'EMAIL, FORM (the public link), PHONE or VISIT.';
comment on column app.product_feedback.received_at is 'When it was given.';
comment on column app.product_feedback.recorded_by is 'The user who recorded it; null for the form.';
create index product_feedback_phase_idx on app.product_feedback (phase_id, received_at);
create index product_feedback_lead_idx on app.product_feedback (lead_id);
create index product_feedback_product_idx on app.product_feedback (tenant_id, sku);
create index product_feedback_submission_idx on app.product_feedback (submission_id);
create index product_feedback_recorded_by_idx on app.product_feedback (recorded_by);

-- ------------------------------------------------------------ row-level security
alter table app.sample_boxes enable row level security;
alter table app.sample_box_items enable row level security;
alter table app.test_phases enable row level security;
alter table app.test_results enable row level security;
alter table app_private.feedback_tokens enable row level security;
alter table app.feedback_submissions enable row level security;
alter table app.product_feedback enable row level security;

-- The same read policies on every sample table: the tenant for managers, auditors and admins;
-- owners and collaborators of live leads for reps.
do $$
declare
    v_table text;
begin
    foreach v_table in array array[
        'app.sample_boxes', 'app.sample_box_items', 'app.test_phases', 'app.test_results',
        'app_private.feedback_tokens', 'app.feedback_submissions', 'app.product_feedback'
    ] loop
        execute format(
            'create policy select_tenant on %s for select to sales_manager, auditor, tenant_admin '
            'using (tenant_id = (select app.current_tenant_id()))',
            v_table
        );
        execute format(
            'comment on policy select_tenant on %s is %L',
            v_table, 'Managers, auditors and admins read the samples of their tenant.'
        );
        execute format(
            'create policy select_readable on %s for select to sales_rep '
            'using (tenant_id = (select app.current_tenant_id()) and app.rep_can_read(lead_id))',
            v_table
        );
        execute format(
            'comment on policy select_readable on %s is %L',
            v_table, 'Owners and collaborators read the samples of leads that are ACTIVE or GRACE.'
        );
    end loop;
end
$$;

-- Writes: the owner of a live lead, or a manager of the tenant (the api functions check more).
do $$
declare
    v_table text;
    v_command text;
begin
    foreach v_table in array array[
        'app.sample_boxes', 'app.sample_box_items', 'app.test_phases', 'app.test_results', 'app.product_feedback'
    ] loop
        foreach v_command in array array['insert', 'update'] loop
            continue when v_command = 'update' and v_table <> 'app.test_results';
            execute format(
                'create policy %s_owner on %s for %s to sales_rep %s with check ('
                'tenant_id = (select app.current_tenant_id()) and app.rep_owns_live_lead(lead_id))',
                v_command, v_table, v_command,
                case when v_command = 'update' then
                    'using (tenant_id = (select app.current_tenant_id()) and app.rep_owns_live_lead(lead_id))'
                else '' end
            );
            execute format(
                'comment on policy %s_owner on %s is %L',
                v_command, v_table, 'The owner writes the samples of their lead while it is ACTIVE or GRACE.'
            );
            execute format(
                'create policy %s_manager on %s for %s to sales_manager %s with check ('
                'tenant_id = (select app.current_tenant_id()))',
                v_command, v_table, v_command,
                case when v_command = 'update' then 'using (tenant_id = (select app.current_tenant_id()))' else '' end
            );
            execute format(
                'comment on policy %s_manager on %s is %L',
                v_command, v_table, 'Managers write the samples of every lead of their tenant.'
            );
        end loop;
    end loop;
end
$$;

grant select on app.sample_boxes, app.sample_box_items, app.test_phases, app.test_results,
app.feedback_submissions, app.product_feedback
to sales_rep, sales_manager, auditor, tenant_admin;
-- Web roles read a token's state, never its hash; writes go through definer functions only.
grant select (
    id, tenant_id, lead_id, phase_id, created_by, created_at, expires_at, revoked_at, submissions,
    max_submissions
) on app_private.feedback_tokens to sales_rep, sales_manager, auditor, tenant_admin;
grant insert (id, tenant_id, lead_id, configured_by, notes) on app.sample_boxes to sales_rep, sales_manager;
grant insert (box_id, tenant_id, lead_id, sku, qty) on app.sample_box_items to sales_rep, sales_manager;
grant insert (id, tenant_id, lead_id, box_id, stage, start_date, end_date, created_by) on app.test_phases
to sales_rep, sales_manager;
grant insert (tenant_id, lead_id, phase_id, sku, outcome, sell_through, waste_delta, notes, recorded_by),
update (outcome, sell_through, waste_delta, notes, recorded_by, recorded_at)
on app.test_results to sales_rep, sales_manager;
grant insert (
    tenant_id, lead_id, phase_id, sku, rating, comment, would_reorder, contact_name, contact_role, source,
    received_at, recorded_by
) on app.product_feedback to sales_rep, sales_manager;

-- Feedback links of test phases: issuing (32 random bytes, only the SHA-256 stored), revoking,
-- and the invitation and reminder mails through the job queue (SPEC 6).

insert into app.settings_registry (key, allowed_scopes, default_value, json_schema, merge_strategy, description)
values (
    'sample.feedback.linkBase', '{global}', '"http://127.0.0.1:8000"',
    '{"type": "string", "minLength": 8, "maxLength": 200}', 'replace',
    'Public address of the feedback service; links are <linkBase>/feedback/<token>. Set by operators.'
);

-- The api functions of samples and test phases (SPEC 6): the owner of a live lead or a manager
-- writes; every change is audited.

-- What start_test_phase and rotate_feedback_token return: the phase with the link, shown once.
create type app.test_phase_link as (
    id uuid,
    lead_id uuid,
    box_id uuid,
    stage text,
    start_date date,
    end_date date,
    created_at timestamptz,
    feedback_token text,
    feedback_link text,
    feedback_link_expires_at timestamptz,
    feedback_max_submissions integer
);
comment on type app.test_phase_link is
'A test phase with its new feedback token and link (the only time the raw token is shown).';
grant usage on type app.test_phase_link to sales_rep, sales_manager, auditor, tenant_admin;

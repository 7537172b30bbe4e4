-- Xentral customers linked to leads, and sales orders submitted to Xentral (SPEC 8.2). Structure
-- only: tables, constraints, indexes, policies, grants and reference rows. Frozen once on main:
-- change it with a new V file. The functions and views live in R__85_connectors.sql.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- ------------------------------------------------------------ the customer link
-- Which Xentral customer a lead is: part of the lead's details, so only those who read the lead in
-- full see it. Set by link_xentral_customer (owner or manager, audited).
alter table app.lead_details
add column xentral_customer_id text,
add constraint lead_details_xentral_customer_id_format check (xentral_customer_id ~ '^[0-9]{1,20}$');
comment on column app.lead_details.xentral_customer_id is
'Xentral''s customer id of the lead''s company (link_xentral_customer); orders go to this customer.';

-- ------------------------------------------------------------ sales orders
-- Our order numbers are the installation's (one Xentral behind it), so one sequence for all
-- tenants keeps externalOrderNumber unique in Xentral.
create sequence app.sales_order_number_seq;
comment on sequence app.sales_order_number_seq is 'Our sales order numbers (FP-000001, ...).';

create table app.sales_orders (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    lead_id uuid not null references app.leads (id) on delete cascade,
    number text not null default 'FP-' || to_char(nextval('app.sales_order_number_seq'), 'FM000000'),
    state text not null default 'PENDING',
    xentral_customer_id text not null,
    items jsonb not null,
    note text,
    created_by uuid references app.users (id) on delete set null,
    created_at timestamptz not null default app.now(),
    submission_started_at timestamptz,
    submitted_at timestamptz,
    xentral_id text,
    last_error text,
    constraint sales_orders_number_key unique (number),
    constraint sales_orders_state_known check (state in ('PENDING', 'SUBMITTED', 'FAILED', 'CANCELLED')),
    constraint sales_orders_xentral_customer_id_format check (xentral_customer_id ~ '^[0-9]{1,20}$'),
    constraint sales_orders_items_array check (
        jsonb_typeof(items) = 'array' and jsonb_array_length(items) between 1 and 100
    ),
    constraint sales_orders_note_length check (char_length(note) <= 2000),
    constraint sales_orders_xentral_id_format check (xentral_id ~ '^[0-9]{1,20}$'),
    constraint sales_orders_last_error_length check (char_length(last_error) <= 2000),
    constraint sales_orders_submitted_consistent check (
        (state = 'SUBMITTED') = (submitted_at is not null) and (state = 'SUBMITTED') = (xentral_id is not null)
    )
);
comment on table app.sales_orders is
'Orders placed for a lead, submitted to Xentral by job xentral.order with number as externalOrderNumber.';
comment on column app.sales_orders.id is 'Order id.';
comment on column app.sales_orders.tenant_id is 'Tenant.';
comment on column app.sales_orders.lead_id is 'Lead the order is for.';
comment on column app.sales_orders.number is 'Our order number, sent to Xentral as externalOrderNumber.';
comment on column app.sales_orders.state is
'PENDING (queued or retrying), SUBMITTED (Xentral has it), FAILED (Xentral refused it), CANCELLED.';
comment on column app.sales_orders.xentral_customer_id is 'The Xentral customer, copied from the lead at creation.';
comment on column app.sales_orders.items is
'Positions as ordered: [{"sku", "qty", "name", "xentral_id", "net_price", "currency"}] (prices of that moment).';
comment on column app.sales_orders.note is 'Comment sent with the order.';
comment on column app.sales_orders.created_by is 'Who placed it.';
comment on column app.sales_orders.created_at is 'When it was placed.';
comment on column app.sales_orders.submission_started_at is
'When the worker first sent it to Xentral: every later attempt looks it up first, so Xentral never holds two.';
comment on column app.sales_orders.submitted_at is 'When Xentral confirmed it.';
comment on column app.sales_orders.xentral_id is 'Xentral''s sales order id (from Location).';
comment on column app.sales_orders.last_error is 'Xentral''s refusal, or the last temporary error.';
create index sales_orders_tenant_created_idx on app.sales_orders (tenant_id, created_at desc);
create index sales_orders_lead_idx on app.sales_orders (lead_id);
create index sales_orders_created_by_idx on app.sales_orders (created_by);

alter table app.sales_orders enable row level security;
create policy select_tenant on app.sales_orders
for select to sales_manager, auditor, tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_tenant on app.sales_orders is 'Managers, auditors and admins read the tenant''s orders.';
create policy select_readable on app.sales_orders
for select to sales_rep
using (tenant_id = (select app.current_tenant_id()) and app.rep_can_read(lead_id));
comment on policy select_readable on app.sales_orders is
'Reps read the orders of the leads they own or collaborate on.';
-- writes only through the definer functions (create_sales_order, the worker's)
grant select on app.sales_orders to sales_rep, sales_manager, auditor, tenant_admin;

-- ------------------------------------------------------------ reference rows
insert into app.default_activity_kinds (kind, counts_as_progress, description) values
('ORDER_PLACED', true, 'A sales order was placed in Xentral.');
insert into app.activity_kinds (tenant_id, kind, counts_as_progress, description)
select
    t.id as tenant_id,
    'ORDER_PLACED' as kind,
    true as counts_as_progress,
    'A sales order was placed in Xentral.' as description
from app.tenants as t;

insert into app.job_kinds (kind, description, idempotent, max_attempts, retry_base_seconds, retry_max_seconds)
values (
    'xentral.order',
    'Submits a sales order to Xentral. Not idempotent: every retry looks the order up by its number first.',
    false, 8, 30, 1800
);

insert into app.settings_registry (key, allowed_scopes, default_value, json_schema, merge_strategy, description)
values (
    'xentral.orderDefaults', '{global,tenant}',
    '{"projectId": "1", "paymentMethodId": "1", "shippingMethodId": "1"}',
    '{"type": "object", "propertyNames": {"enum": ["projectId", "paymentMethodId", "shippingMethodId"]}, '
    '"additionalProperties": {"type": "string", "minLength": 1, "maxLength": 20}}',
    'merge',
    'Xentral ids every sales order is imported with: project, payment method and shipping method.'
);

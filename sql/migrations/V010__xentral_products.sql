-- Connectors (SPEC 8.1, 8.5) and the Xentral product catalogue (SPEC 8.2). Structure only: tables,
-- constraints, indexes, policies, grants and reference rows. Frozen once on main: change it with a
-- new V file. The functions and views live in R__85_connectors.sql.

set local lock_timeout = '5s';
set local statement_timeout = '60s';

-- ------------------------------------------------------------ connectors
-- The credentials of a connector are the installation's (environment of the workers), so whether
-- it is configured is known to the workers only: each worker reports it when it starts.
create table app.connectors (
    connector text primary key,
    description text not null,
    configured boolean not null default false,
    reported_at timestamptz,
    constraint connectors_name_format check (connector ~ '^[a-z][a-z_]{1,30}$'),
    constraint connectors_description_length check (char_length(description) between 1 and 300)
);
comment on table app.connectors is
'The external systems the workers talk to; configured is what the last starting worker reported.';
comment on column app.connectors.connector is 'Name (xentral, ...); job kinds of it are <connector>.<action>.';
comment on column app.connectors.description is 'What the connector is for.';
comment on column app.connectors.configured is 'Whether the last worker that started had its credentials.';
comment on column app.connectors.reported_at is 'When a worker last reported it.';
alter table app.connectors enable row level security;
create policy select_all on app.connectors
for select to svc_api, svc_jobs, tenant_admin
using (true);
comment on policy select_all on app.connectors is 'Installation facts: the service, the workers and admins read them.';
grant select on app.connectors to svc_api, svc_jobs, tenant_admin;

insert into app.connectors (connector, description) values
('xentral', 'Xentral ERP: the product catalogue, customers and sales orders.');

-- What a connector last did for a tenant: successes and errors, and a sync's watermarks.
create table app.connector_states (
    tenant_id uuid not null references app.tenants (id) on delete cascade,
    connector text not null references app.connectors (connector) on delete cascade,
    last_success_at timestamptz,
    last_error_at timestamptz,
    last_error text,
    last_result jsonb,
    synced_since timestamptz,
    last_full_sync_at timestamptz,
    primary key (tenant_id, connector),
    constraint connector_states_last_error_length check (char_length(last_error) <= 2000),
    constraint connector_states_last_result_object check (jsonb_typeof(last_result) = 'object')
);
comment on table app.connector_states is 'Per tenant and connector: the last success and error, and sync watermarks.';
comment on column app.connector_states.tenant_id is 'Tenant.';
comment on column app.connector_states.connector is 'Connector.';
comment on column app.connector_states.last_success_at is 'End of the last successful call or sync.';
comment on column app.connector_states.last_error_at is 'When the last error happened.';
comment on column app.connector_states.last_error is
'The last error (no secrets: the workers write their own messages).';
comment on column app.connector_states.last_result is 'Counts of the last successful sync.';
comment on column app.connector_states.synced_since is
'Start of the last successful product sync: the next incremental sync asks for changes after it.';
comment on column app.connector_states.last_full_sync_at is
'Start of the last successful full product pull (the daily one that catches deletions).';
create index connector_states_connector_idx on app.connector_states (connector);
alter table app.connector_states enable row level security;
create policy select_admin on app.connector_states
for select to tenant_admin
using (tenant_id = (select app.current_tenant_id()));
comment on policy select_admin on app.connector_states is 'Tenant admins read their tenant''s connector state.';
grant select on app.connector_states to tenant_admin;

-- ------------------------------------------------------------ products (SPEC 8.2)
-- The catalogue of V008 becomes Xentral's mirror: sku stays the key (Xentral's number), and a row
-- synced from Xentral carries its id and price. Rows are never deleted: a product that was
-- disabled, deleted or no longer listed in Xentral becomes inactive, so boxes and orders that name
-- it stay readable. Rows without a Xentral id (entered before the sync, or by hand) are not
-- Xentral's to retire.
alter table app.products
add column xentral_id text,
add column net_price numeric(14, 4),
add column currency text,
add column synced_at timestamptz,
add constraint products_xentral_id_format check (xentral_id ~ '^[0-9]{1,20}$'),
add constraint products_net_price_not_negative check (net_price >= 0),
add constraint products_currency_format check (currency ~ '^[A-Z]{3}$'),
add constraint products_price_has_currency check ((net_price is null) = (currency is null));
comment on table app.products is
'Products a tenant sells: synced from Xentral (job xentral.products) where it is configured; never deleted, '
'only inactive.';
comment on column app.products.xentral_id is 'Xentral''s product id (null: not from Xentral).';
comment on column app.products.net_price is 'Net sales price from Xentral.';
comment on column app.products.currency is 'Currency of the price (ISO 4217).';
comment on column app.products.synced_at is 'When a sync last changed the row.';
create unique index products_xentral_id_key on app.products (tenant_id, xentral_id);

-- ------------------------------------------------------------ the sync job
insert into app.job_kinds (kind, description, idempotent, max_attempts, retry_base_seconds, retry_max_seconds)
values (
    'xentral.products',
    'Pulls the product catalogue from Xentral (incremental, a full pull once a day). Repeating it is harmless.',
    true, 5, 60, 1800
);

insert into app.job_heartbeats (job_name, schedule, description) values
('xentral_products', '15 * * * *', 'Queues the hourly Xentral product sync of every tenant.');

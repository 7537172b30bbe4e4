-- The product catalogue (filled by demo data now, by the Xentral sync later).
set local lock_timeout = '5s';
set local statement_timeout = '60s';

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

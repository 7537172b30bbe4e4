-- Connectors (SPEC 8.1, 8.2, 8.5): what the workers report, the Xentral product sync's SQL half,
-- request_sync for admins, and api.integration_status (api.products is in R__70_samples_feedback.sql).
-- The tables are in V010__xentral_products.sql.

-- ------------------------------------------------------------ what the workers report

create or replace function app_private.report_connectors(p_configured jsonb) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    update app.connectors as c
    set configured = (p_configured ->> c.connector)::boolean, reported_at = pg_catalog.now()
    where p_configured ? c.connector and jsonb_typeof(p_configured -> c.connector) = 'boolean'
$$;
comment on function app_private.report_connectors(jsonb) is
'A starting worker reports which connectors it has credentials for: {"xentral": true, ...}.';
grant execute on function app_private.report_connectors(jsonb) to svc_jobs;

create or replace function app_private.record_connector_error(
    p_tenant_id uuid, p_connector text, p_error text
) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    insert into app.connector_states as s (tenant_id, connector, last_error_at, last_error)
    -- the clock, not the transaction's start: it is ordered against the last success
    values (p_tenant_id, p_connector, pg_catalog.clock_timestamp(), left(coalesce(p_error, 'unknown error'), 2000))
    on conflict (tenant_id, connector) do update
    set last_error_at = excluded.last_error_at, last_error = excluded.last_error
$$;
comment on function app_private.record_connector_error(uuid, text, text) is
'Records a failed call or sync of a connector for a tenant (api.integration_status shows it).';
grant execute on function app_private.record_connector_error(uuid, text, text) to svc_jobs;

-- ------------------------------------------------------------ product sync (SPEC 8.2)

-- Queued hourly by pg_cron (job xentral_products), one job per tenant, and only when a worker has
-- Xentral's credentials. A tenant whose sync is still waiting or running gets no second one.
create or replace function app_private.enqueue_product_syncs() returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_queued integer := 0;
begin
    if not exists (select from app.connectors as c where c.connector = 'xentral' and c.configured) then
        return jsonb_build_object('queued', 0, 'configured', false);
    end if;
    insert into app.jobs (tenant_id, kind, dedupe_key)
    select t.id, 'xentral.products', 'xentral.products:' || t.id || ':' || to_char(pg_catalog.now(), 'YYYYMMDDHH24')
    from app.tenants as t
    where not exists (
        select from app.jobs as j
        where j.tenant_id = t.id and j.kind = 'xentral.products' and j.state in ('PENDING', 'RUNNING')
    )
    on conflict (dedupe_key) do nothing;
    get diagnostics v_queued = row_count;
    return jsonb_build_object('queued', v_queued, 'configured', true);
end
$$;
comment on function app_private.enqueue_product_syncs() is
'Queues a xentral.products job for every tenant without one waiting (hourly; nothing when unconfigured).';

-- What the next sync of a tenant asks Xentral for: everything (the first pull, and once a day to
-- see deletions) or the products updated since the last successful sync began, less an overlap
-- for the clocks of two machines (the worker's setting; a product seen twice changes nothing).
create or replace function app_private.product_sync_plan(p_tenant_id uuid, p_overlap interval)
returns table (full_pull boolean, updated_since timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
    select
        s.synced_since is null or s.last_full_sync_at is null
        or s.last_full_sync_at < pg_catalog.now() - interval '1 day',
        s.synced_since - p_overlap
    from (select p_tenant_id as tenant_id) as t
    left join app.connector_states as s on s.tenant_id = t.tenant_id and s.connector = 'xentral'
$$;
comment on function app_private.product_sync_plan(uuid, interval) is
'Whether the next product sync of a tenant is a full pull, and otherwise since when to ask for changes.';
grant execute on function app_private.product_sync_plan(uuid, interval) to svc_jobs;

-- One page of products, as the worker read them from Xentral. The items are untrusted: one that
-- app.products cannot hold (an SKU outside its format, no name) is skipped and reported, never
-- half-stored; a name or unit too long is cut, a missing unit is Xentral's default "Stück".
create or replace function app_private.product_items(p_items jsonb)
returns table (
    xentral_id text, sku text, name text, unit text, active boolean, net_price numeric, currency text,
    usable boolean
)
language sql
immutable
set search_path = ''
as $$
    select
        i.xentral_id, i.sku, left(btrim(i.name), 200),
        left(coalesce(nullif(btrim(i.unit), ''), 'Stück'), 30),
        coalesce(i.active, false), i.net_price, i.currency,
        coalesce(
            i.xentral_id ~ '^[0-9]{1,20}$' and i.sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'
            and btrim(i.name) <> '' and (i.net_price is null) = (i.currency is null)
            and coalesce(i.net_price >= 0 and i.net_price < 1e10 and i.currency ~ '^[A-Z]{3}$', true),
            false
        )
    from jsonb_to_recordset(p_items) as i (
        xentral_id text, sku text, name text, unit text, active boolean, net_price numeric, currency text
    )
$$;
comment on function app_private.product_items(jsonb) is
'The items of a product page as app.products would hold them, and whether each is usable.';

-- A row is written only when something changed, so a re-run changes nothing (synced_at included).
create or replace function app_private.upsert_products(p_tenant_id uuid, p_items jsonb) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_renumbered integer;
    v_inserted integer;
    v_updated integer;
begin
    if jsonb_typeof(p_items) is distinct from 'array' then
        raise exception 'products must be a JSON array' using errcode = 'invalid_parameter_value';
    end if;
    -- a Xentral product whose number changed: its old SKU is gone from Xentral (first, so the new
    -- SKU can take the Xentral id)
    update app.products as p
    set xentral_id = null, active = false, synced_at = app.now(), updated_at = app.now()
    from app_private.product_items(p_items) as i
    where i.usable and p.tenant_id = p_tenant_id and p.xentral_id = i.xentral_id and p.sku <> i.sku;
    get diagnostics v_renumbered = row_count;
    with items as (
        -- one row per SKU and per Xentral id (of duplicates, the lowest id and SKU win)
        select distinct on (u.sku) u.*
        from (
            select distinct on (i.xentral_id) i.*
            from app_private.product_items(p_items) as i
            where i.usable
            order by i.xentral_id, i.sku
        ) as u
        order by u.sku, u.xentral_id
    ),
    written as (
        insert into app.products as p (tenant_id, sku, xentral_id, name, unit, active, net_price, currency, synced_at)
        select p_tenant_id, i.sku, i.xentral_id, i.name, i.unit, i.active, i.net_price, i.currency, app.now()
        from items as i
        on conflict (tenant_id, sku) do update
        set
            xentral_id = excluded.xentral_id, name = excluded.name, unit = excluded.unit, active = excluded.active,
            net_price = excluded.net_price, currency = excluded.currency, synced_at = app.now(),
            updated_at = app.now()
        where (p.xentral_id, p.name, p.unit, p.active, p.net_price, p.currency)
            is distinct from (excluded.xentral_id, excluded.name, excluded.unit, excluded.active,
                excluded.net_price, excluded.currency)
        returning (xmax = 0) as inserted
    )
    select count(*) filter (where inserted), count(*) filter (where not inserted)
    into v_inserted, v_updated
    from written;
    return jsonb_build_object(
        'inserted', v_inserted,
        'updated', v_updated,
        'renumbered', v_renumbered,
        'skipped', (
            select coalesce(jsonb_agg(coalesce(i.xentral_id, '?') order by i.xentral_id), '[]')
            from app_private.product_items(p_items) as i where not i.usable
        )
    );
end
$$;
comment on function app_private.upsert_products(uuid, jsonb) is
'Writes one page of synced products ([{xentral_id, sku, name, unit, active, net_price, currency}]); only '
'changed rows are touched, unusable items skipped. Returns {inserted, updated, renumbered, skipped: [ids]}.';
grant execute on function app_private.upsert_products(uuid, jsonb) to svc_jobs;

-- The end of a successful sync. After a full pull every product Xentral no longer lists becomes
-- inactive (never deleted); the watermarks move to the sync's start.
create or replace function app_private.finish_product_sync(
    p_tenant_id uuid, p_started_at timestamptz, p_full_pull boolean, p_listed text[], p_result jsonb
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_gone integer := 0;
    v_result jsonb;
begin
    if p_full_pull then
        update app.products as p
        set active = false, synced_at = app.now(), updated_at = app.now()
        where
            p.tenant_id = p_tenant_id and p.active and p.xentral_id is not null
            and not (p.xentral_id = any(coalesce(p_listed, '{}')));
        get diagnostics v_gone = row_count;
    end if;
    v_result := coalesce(p_result, '{}') || jsonb_build_object('full_pull', p_full_pull, 'gone', v_gone);
    insert into app.connector_states as s (
        tenant_id, connector, last_success_at, last_result, synced_since, last_full_sync_at
    )
    values (
        p_tenant_id, 'xentral', pg_catalog.clock_timestamp(), v_result, p_started_at,
        case when p_full_pull then p_started_at end
    )
    on conflict (tenant_id, connector) do update
    set
        last_success_at = excluded.last_success_at,
        last_result = excluded.last_result,
        synced_since = excluded.synced_since,
        last_full_sync_at = coalesce(excluded.last_full_sync_at, s.last_full_sync_at);
    return v_result;
end
$$;
comment on function app_private.finish_product_sync(uuid, timestamptz, boolean, text[], jsonb) is
'Completes a product sync: after a full pull, Xentral products no longer listed become inactive; records the '
'result and the watermarks for the next incremental sync.';
grant execute on function app_private.finish_product_sync(uuid, timestamptz, boolean, text[], jsonb) to svc_jobs;

-- ------------------------------------------------------------ request_sync (tenant admins)

create or replace function api.request_sync(kind text) returns setof api.jobs
language plpgsql
volatile
rows 1
as $$
declare
    v_job bigint;
begin
    perform app.require_role(array['tenant_admin']);  -- before app_private says 42501 to other roles
    v_job := app_private.request_sync(request_sync.kind);
    return query select j.* from api.jobs as j where j.id = v_job;
end
$$;
comment on function api.request_sync(text) is
'Queues a sync now (tenant admins): kind is the job kind, today xentral.products. A sync already '
'waiting is returned instead of a second one.';
grant execute on function api.request_sync(text) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app_private.request_sync(p_kind text) returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_tenant uuid := app.current_tenant_id();
    v_job bigint;
begin
    perform app.require_role(array['tenant_admin']);
    if p_kind is distinct from 'xentral.products' then
        perform app.raise_error(
            'FP810', 400, 'kind must be a job kind that syncs: xentral.products.', 'kind'
        );
    end if;
    if not exists (
        select from app.connectors as c where c.connector = split_part(p_kind, '.', 1) and c.configured
    ) then
        perform app.raise_error(
            'FP811', 409, 'The connector is not configured: no worker has its credentials.', 'kind'
        );
    end if;
    -- one waiting sync per tenant and kind, also when two admins ask at once
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(p_kind || ':' || v_tenant, 0));
    select j.id into v_job
    from app.jobs as j
    where j.tenant_id = v_tenant and j.kind = p_kind and j.state in ('PENDING', 'RUNNING')
    order by j.id
    limit 1;
    if v_job is null then
        insert into app.jobs (tenant_id, kind) values (v_tenant, p_kind) returning id into v_job;
        perform app_private.write_audit(
            v_tenant, 'job.sync_requested', 'job', null, null, null,
            jsonb_build_object('id', v_job, 'kind', p_kind), null, false
        );
    end if;
    return v_job;
end
$$;
comment on function app_private.request_sync(text) is
'Queues a sync job of the caller''s tenant unless one is waiting or running (audited); returns its id.';
grant execute on function app_private.request_sync(text) to tenant_admin;

-- ------------------------------------------------------------ views

-- One rule for a connector's state, in api.integration_status (per tenant) and /health (all
-- tenants): down when the last thing that happened was an error; degraded when it works but jobs
-- of it are retrying or parked since its last success.
create or replace function app.connector_state(
    p_configured boolean, p_last_success_at timestamptz, p_last_error_at timestamptz, p_troubled boolean
) returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
    select case
        when not p_configured then 'unconfigured'
        when p_last_error_at is not null and (p_last_success_at is null or p_last_error_at > p_last_success_at)
            then 'down'
        when p_troubled then 'degraded'
        else 'ok'
    end
$$;
comment on function app.connector_state(boolean, timestamptz, timestamptz, boolean) is
'ok, degraded (jobs retrying or parked since the last success), down (the last call failed) or unconfigured.';
grant execute on function app.connector_state(boolean, timestamptz, timestamptz, boolean) to tenant_admin, svc_api;

-- Whether jobs of a connector are retrying or parked since its last success (of one tenant, or of
-- all with a null tenant): the "degraded" of app.connector_state.
create or replace function app.connector_troubled(
    p_connector text, p_tenant_id uuid, p_last_success_at timestamptz
) returns boolean
language sql
stable
set search_path = ''
as $$
    select exists (
        select from app.jobs as j
        where
            split_part(j.kind, '.', 1) = p_connector
            and (p_tenant_id is null or j.tenant_id = p_tenant_id)
            and (j.state = 'PARKED' or (j.state = 'PENDING' and j.attempts > 0))
            and j.created_at > coalesce(p_last_success_at, '-infinity')
    )
    -- a mailbox nearly full loses customers' replies silently (app_private.store_mailbox_quota)
    or (
        p_connector = 'mail'
        and exists (
            select from app.mailbox_quotas as q
            where
                q.warned_at is not null and (p_tenant_id is null or q.tenant_id = p_tenant_id)
                -- a reading days old (KAS no longer checked, another mailbox) says nothing now
                and q.checked_at > pg_catalog.now() - interval '3 days'
        )
    )
$$;
comment on function app.connector_troubled(text, uuid, timestamptz) is
'Whether jobs of the connector (of the tenant, or of all when null) are retrying or parked since the last success; '
'for mail also a mailbox above its quota''s warning level.';
grant execute on function app.connector_troubled(text, uuid, timestamptz) to tenant_admin, svc_api;

-- One row per connector for the caller's tenant.
create or replace view api.integration_status
with (security_invoker = true)
as
with tenant as (select app.current_tenant_id() as tenant_id)

select
    c.connector,
    c.configured,
    app.connector_state(
        c.configured, s.last_success_at, s.last_error_at,
        app.connector_troubled(c.connector, t.tenant_id, s.last_success_at)
    ) as state,
    s.last_success_at,
    s.last_error_at,
    s.last_error,
    (
        select count(*)::integer from app.jobs as j
        where
            j.tenant_id = t.tenant_id and split_part(j.kind, '.', 1) = c.connector
            and j.state in ('PENDING', 'RUNNING')
    ) as backlog
from app.connectors as c
cross join tenant as t
left join app.connector_states as s on c.connector = s.connector and t.tenant_id = s.tenant_id;
comment on view api.integration_status is
'Each connector for the tenant (admins): configured, state ok|degraded|down|unconfigured, last success and '
'error, and jobs waiting.';
comment on column api.integration_status.connector is 'Connector.';
comment on column api.integration_status.configured is 'Whether the workers have its credentials.';
comment on column api.integration_status.state is
'ok, degraded (retrying or parked jobs), down (the last call failed) or unconfigured.';
comment on column api.integration_status.last_success_at is 'Last success.';
comment on column api.integration_status.last_error_at is 'Last error.';
comment on column api.integration_status.last_error is 'Last error message.';
comment on column api.integration_status.backlog is 'Jobs of the connector waiting or running.';
grant select on api.integration_status to tenant_admin;

-- /health (the service, no tenant): each connector over all tenants, without error texts (they may
-- name a tenant's data); the same rule as api.integration_status.
create or replace function app_private.connector_health()
returns table (connector text, state text, last_success_at timestamptz, last_error_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
    select
        c.connector,
        app.connector_state(
            c.configured, s.last_success_at, s.last_error_at,
            app.connector_troubled(c.connector, null, s.last_success_at)
        ),
        s.last_success_at,
        s.last_error_at
    from app.connectors as c
    left join lateral (
        select max(cs.last_success_at) as last_success_at, max(cs.last_error_at) as last_error_at
        from app.connector_states as cs
        where cs.connector = c.connector
    ) as s on true
    order by c.connector
$$;
comment on function app_private.connector_health() is
'Each connector''s state over all tenants, for /health (no error texts).';
grant execute on function app_private.connector_health() to svc_api;

create or replace function app_private.record_connector_success(p_tenant_id uuid, p_connector text) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    insert into app.connector_states as s (tenant_id, connector, last_success_at)
    values (p_tenant_id, p_connector, pg_catalog.clock_timestamp())
    on conflict (tenant_id, connector) do update set last_success_at = excluded.last_success_at
$$;
comment on function app_private.record_connector_success(uuid, text) is
'Records a successful call of a connector for a tenant (a sync records its own, with its result).';
grant execute on function app_private.record_connector_success(uuid, text) to svc_jobs, svc_api;
grant execute on function app_private.record_connector_error(uuid, text, text) to svc_api;

-- ------------------------------------------------------------ Xentral customers (SPEC 8.2)

-- The owner or a manager links a lead to the Xentral customer found with GET /api/xentral/customers.
create or replace function api.link_xentral_customer(lead_id uuid, xentral_customer_id text) returns setof api.leads
language plpgsql
volatile
rows 1
as $$
declare
    v_lead app.leads;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    v_lead := app.lead_for_action(link_xentral_customer.lead_id);  -- 404 for a lead the caller cannot see
    perform app.require_owner_or_manager(v_lead);
    perform app_private.link_xentral_customer(v_lead.id, link_xentral_customer.xentral_customer_id);
    return query select l.* from api.leads as l where l.id = v_lead.id;
end
$$;
comment on function api.link_xentral_customer(uuid, text) is
'Links the lead to a Xentral customer (owner or manager; audited): sales orders of the lead go to it. '
'xentral_customer_id is Xentral''s id, as GET /api/xentral/customers lists it; null removes the link.';
grant execute on function api.link_xentral_customer(uuid, text) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app_private.link_xentral_customer(p_lead_id uuid, p_customer_id text) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
    v_before text;
begin
    -- a definer: the caller's tenant and right are checked here again (direct SQL is the threat model)
    v_lead := app_private.my_tenants_lead(p_lead_id);
    perform app.require_owner_or_manager(v_lead);
    if p_customer_id is not null and p_customer_id !~ '^[0-9]{1,20}$' then
        perform app.raise_error(
            'FP812', 400, 'xentral_customer_id must be a Xentral customer id (digits).', 'xentral_customer_id'
        );
    end if;
    select d.xentral_customer_id into v_before from app.lead_details as d where d.lead_id = v_lead.id;
    insert into app.lead_details as d (lead_id, tenant_id, xentral_customer_id)
    values (v_lead.id, v_lead.tenant_id, p_customer_id)
    on conflict (lead_id) do update set xentral_customer_id = excluded.xentral_customer_id;
    if v_before is distinct from p_customer_id then
        perform app_private.write_audit(
            v_lead.tenant_id, 'lead.xentral_linked', 'lead', v_lead.id, v_lead.id,
            jsonb_build_object('xentral_customer_id', v_before),
            jsonb_build_object('xentral_customer_id', p_customer_id), null, false
        );
    end if;
end
$$;
comment on function app_private.link_xentral_customer(uuid, text) is
'Stores the Xentral customer of a lead of the caller''s tenant (owner or manager), audited when it changes.';
grant execute on function app_private.link_xentral_customer(uuid, text) to sales_rep, sales_manager;

-- ------------------------------------------------------------ sales orders (SPEC 8.2)

create or replace view api.sales_orders
with (security_invoker = true)
as
select
    o.id,
    o.lead_id,
    o.number,
    o.state,
    o.xentral_id,
    o.items,
    o.note,
    o.created_by,
    o.created_at,
    o.submitted_at,
    o.last_error
from app.sales_orders as o;
comment on view api.sales_orders is
'Sales orders of the leads the caller may read (reps: own and collaborating; others: the tenant).';
comment on column api.sales_orders.id is 'Order id.';
comment on column api.sales_orders.lead_id is 'Lead.';
comment on column api.sales_orders.number is 'Our order number (externalOrderNumber in Xentral).';
comment on column api.sales_orders.state is
'PENDING, SUBMITTED, FAILED (refused by Xentral; see last_error) or CANCELLED.';
comment on column api.sales_orders.xentral_id is 'Xentral''s sales order id once SUBMITTED.';
comment on column api.sales_orders.items is
'Positions: [{"sku", "qty", "name", "xentral_id", "net_price", "currency"}], prices as of the order.';
comment on column api.sales_orders.note is 'Comment sent with the order.';
comment on column api.sales_orders.created_by is 'Who placed it.';
comment on column api.sales_orders.created_at is 'When it was placed.';
comment on column api.sales_orders.submitted_at is 'When Xentral confirmed it.';
comment on column api.sales_orders.last_error is 'Xentral''s refusal, or the last temporary error while PENDING.';
grant select on api.sales_orders to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function api.create_sales_order(lead_id uuid, items jsonb, note text default null)
returns setof api.sales_orders
language plpgsql
volatile
rows 1
as $$
declare
    v_lead app.leads := app.lead_for_sample_write(create_sales_order.lead_id);
    v_id uuid;
begin
    v_id := app_private.place_sales_order(v_lead.id, create_sales_order.items, create_sales_order.note);
    return query select o.* from api.sales_orders as o where o.id = v_id;
end
$$;
comment on function api.create_sales_order(uuid, jsonb, text) is
'Places a sales order for a lead linked to a Xentral customer (owner of an ACTIVE/GRACE lead, or a manager). '
'items: [{"sku", "qty"}] of active Xentral products (each once, qty 1 to 100000). Queued for Xentral at once '
'(job xentral.order); api.sales_orders shows how it went.';
grant execute on function api.create_sales_order(uuid, jsonb, text) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app_private.place_sales_order(p_lead_id uuid, p_items jsonb, p_note text) returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_lead app.leads;
    v_customer text;
    v_item record;
    v_field text;
    v_product app.products;
    v_lines jsonb := '[]'::jsonb;
    v_note text := nullif(btrim(p_note), '');
    v_order app.sales_orders;
begin
    -- a definer: tenant, role and the owner's live lead are checked here again
    v_lead := app_private.my_tenants_lead(p_lead_id);
    if not (
        app.current_web_role() = 'sales_manager'
        or app.current_web_role() = 'sales_rep' and v_lead.owner_id = app.current_user_id()
        and app.lead_status(v_lead, app.my_protection_config(), app.now()) in ('ACTIVE', 'GRACE')
    ) then
        perform app.raise_error('FP102', 403, 'Only the owner of the lead or a manager may do this.', 'lead_id');
    end if;
    if not exists (select from app.connectors as c where c.connector = 'xentral' and c.configured) then
        perform app.raise_error(
            'FP811', 409, 'The connector is not configured: no worker has its credentials.', 'lead_id'
        );
    end if;
    select d.xentral_customer_id into v_customer from app.lead_details as d where d.lead_id = v_lead.id;
    if v_customer is null then
        perform app.raise_error(
            'FP813', 409, 'The lead is not linked to a Xentral customer.', 'lead_id',
            'Link it first: link_xentral_customer(lead_id, xentral_customer_id).'
        );
    end if;
    if p_items is null or jsonb_typeof(p_items) <> 'array' or jsonb_array_length(p_items) = 0 then
        perform app.raise_error('FP814', 400, 'items must be a non-empty array of {"sku", "qty"} objects.', 'items');
    end if;
    if jsonb_array_length(p_items) > 100 then
        perform app.raise_error('FP814', 400, 'An order has at most 100 positions.', 'items');
    end if;
    if char_length(v_note) > 2000 then
        perform app.raise_error('FP301', 400, 'note must have at most 2000 characters.', 'note');
    end if;
    for v_item in
        select e.value, e.ordinality - 1 as i from jsonb_array_elements(p_items) with ordinality as e
    loop
        v_field := format('items[%s]', v_item.i);
        if jsonb_typeof(v_item.value) <> 'object' or exists (
            select from jsonb_object_keys(v_item.value) as k where k not in ('sku', 'qty')
        ) then
            perform app.raise_error('FP814', 400, v_field || ' must be an object with sku and qty only.', v_field);
        end if;
        if jsonb_typeof(v_item.value -> 'sku') is distinct from 'string' then
            perform app.raise_error('FP814', 400, v_field || '.sku must be a text.', v_field || '.sku');
        end if;
        if jsonb_typeof(v_item.value -> 'qty') is distinct from 'number'
            or (v_item.value ->> 'qty')::numeric not between 1 and 100000
            or (v_item.value ->> 'qty')::numeric <> trunc((v_item.value ->> 'qty')::numeric) then
            perform app.raise_error(
                'FP814', 400, v_field || '.qty must be a whole number from 1 to 100000.', v_field || '.qty'
            );
        end if;
        select p.* into v_product from app.products as p
        where p.tenant_id = v_lead.tenant_id and p.sku = v_item.value ->> 'sku' and p.active;
        if v_product.sku is null or v_product.xentral_id is null then
            perform app.raise_error(
                'FP815', 400,
                format('%s is not an active Xentral product of your tenant.', left(v_item.value ->> 'sku', 64)),
                v_field || '.sku', 'See api.products (synced from Xentral).'
            );
        end if;
        if v_lines @> jsonb_build_array(jsonb_build_object('sku', v_product.sku)) then
            perform app.raise_error('FP814', 400, format('%s is listed twice.', v_product.sku), v_field || '.sku');
        end if;
        v_lines := v_lines || jsonb_build_array(jsonb_build_object(
            'sku', v_product.sku, 'qty', (v_item.value ->> 'qty')::integer, 'name', v_product.name,
            'xentral_id', v_product.xentral_id, 'net_price', v_product.net_price, 'currency', v_product.currency
        ));
    end loop;

    if (select count(distinct e.value ->> 'currency') from jsonb_array_elements(v_lines) as e) > 1 then
        perform app.raise_error('FP814', 400, 'The products of one order must have one currency.', 'items');
    end if;
    insert into app.sales_orders (tenant_id, lead_id, xentral_customer_id, items, note, created_by)
    values (v_lead.tenant_id, v_lead.id, v_customer, v_lines, v_note, app.current_user_id())
    returning * into v_order;
    insert into app.jobs (tenant_id, kind, payload, dedupe_key, lead_id)
    values (
        v_lead.tenant_id, 'xentral.order', jsonb_build_object('order_id', v_order.id),
        'xentral.order:' || v_order.id, v_lead.id
    );
    perform app_private.write_audit(
        v_lead.tenant_id, 'sales_order.created', 'sales_order', v_order.id, v_lead.id, null,
        jsonb_build_object(
            'number', v_order.number, 'xentral_customer_id', v_customer, 'items', v_lines, 'note', v_note
        ),
        null, false
    );
    return v_order.id;
end
$$;
comment on function app_private.place_sales_order(uuid, jsonb, text) is
'Stores a sales order of a lead of the caller''s tenant (owner of a live lead, or a manager), queues its '
'submission to Xentral and audits it; returns its id.';
grant execute on function app_private.place_sales_order(uuid, jsonb, text) to sales_rep, sales_manager;

-- What the worker posts to POST /api/v1/salesOrders/actions/import (SPEC 8.2): our number as
-- externalOrderNumber, prices as of the order, the tenant's project, payment and shipping method,
-- and autoShipping off (Xentral releases an imported order at once; dispatch stays a human's call).
create or replace function app.sales_order_import_body(p_order app.sales_orders) returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_defaults jsonb := app.effective_setting('xentral.orderDefaults', p_order.tenant_id, null, null);
    v_zone text := app.effective_setting('tenant.timezone', p_order.tenant_id, null, null) #>> '{}';
    v_currency text;
begin
    select coalesce(min(e.value ->> 'currency'), 'EUR') into v_currency from jsonb_array_elements(p_order.items) as e;
    return jsonb_strip_nulls(jsonb_build_object(
        'date', to_char(p_order.created_at at time zone v_zone, 'YYYY-MM-DD'),
        'externalOrderNumber', p_order.number,
        'customer', jsonb_build_object('id', p_order.xentral_customer_id),
        'project', jsonb_build_object('id', v_defaults ->> 'projectId'),
        'financials', jsonb_build_object(
            'paymentMethod', jsonb_build_object('id', v_defaults ->> 'paymentMethodId'), 'currency', v_currency
        ),
        'delivery', jsonb_build_object(
            'shippingMethod', jsonb_build_object('id', v_defaults ->> 'shippingMethodId'), 'autoShipping', false
        ),
        'positions', (
            select jsonb_agg(
                jsonb_strip_nulls(jsonb_build_object(
                    'product', jsonb_build_object('id', e.value ->> 'xentral_id'),
                    'quantity', (e.value ->> 'qty')::integer,
                    'price', case when e.value ->> 'net_price' is not null then jsonb_build_object(
                        'amount', (e.value ->> 'net_price')::numeric::text, 'currency', e.value ->> 'currency'
                    ) end
                ))
                order by e.ordinality
            )
            from jsonb_array_elements(p_order.items) with ordinality as e
        ),
        'comment', p_order.note
    ));
end
$$;
comment on function app.sales_order_import_body(app.sales_orders) is
'The body of Xentral''s sales order import for an order (settings xentral.orderDefaults, tenant.timezone).';
grant execute on function app.sales_order_import_body(app.sales_orders) to svc_jobs;

-- The worker's side (job xentral.order). Before its first call to Xentral the worker commits
-- submission_started_at; any later attempt finds it set and looks the order up by its number before
-- posting again, so a lost answer never becomes a second order in Xentral.
create or replace function app_private.sales_order_for_submission(p_order_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_order app.sales_orders;
    v_started boolean;
begin
    select o.* into v_order from app.sales_orders as o where o.id = p_order_id for update;
    if v_order.id is null then
        return null;
    end if;
    v_started := v_order.submission_started_at is not null;
    if v_order.state = 'PENDING' and not v_started then
        update app.sales_orders as o set submission_started_at = pg_catalog.clock_timestamp()
        where o.id = p_order_id;
    end if;
    return jsonb_build_object(
        'state', v_order.state,
        'number', v_order.number,
        'tenant_id', v_order.tenant_id,
        'look_up_first', v_started,
        'body', app.sales_order_import_body(v_order)
    );
end
$$;
comment on function app_private.sales_order_for_submission(uuid) is
'The order as the worker submits it: state, number, import body, and whether an earlier attempt may have '
'reached Xentral (look it up first). Marks the first attempt.';
grant execute on function app_private.sales_order_for_submission(uuid) to svc_jobs;

create or replace function app_private.sales_order_submitted(p_order_id uuid, p_xentral_id text) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_order app.sales_orders;
    v_lead app.leads;
begin
    -- lead before order: the order every order path locks in (the worker has no tenant, so not
    -- app_private.lock_lead, which locks the caller's tenant's leads only)
    select l.* into v_lead from app.leads as l
    where l.id = (select o.lead_id from app.sales_orders as o where o.id = p_order_id)
    for update;
    update app.sales_orders as o
    set state = 'SUBMITTED', xentral_id = p_xentral_id, submitted_at = pg_catalog.clock_timestamp(), last_error = null
    where o.id = p_order_id and o.state = 'PENDING'
    returning o.* into v_order;
    if v_order.id is null then
        return false;
    end if;
    -- progress on the lead (ORDER_PLACED counts), in the cycle of whoever owns it now
    insert into app.activities (tenant_id, lead_id, assignment_id, kind, occurred_at, note, created_by)
    values (
        v_order.tenant_id, v_order.lead_id, v_lead.assignment_id, 'ORDER_PLACED', app.now(),
        format('Auftrag %s in Xentral angelegt (Xentral-Nr. %s).', v_order.number, p_xentral_id),
        v_order.created_by
    );
    perform app_private.write_audit(
        v_order.tenant_id, 'sales_order.submitted', 'sales_order', v_order.id, v_order.lead_id,
        jsonb_build_object('state', 'PENDING'),
        jsonb_build_object('state', 'SUBMITTED', 'xentral_id', p_xentral_id), null, false
    );
    perform app_private.record_connector_success(v_order.tenant_id, 'xentral');
    return true;
end
$$;
comment on function app_private.sales_order_submitted(uuid, text) is
'Xentral has the order: SUBMITTED with its id, an ORDER_PLACED activity on the lead (progress), audited. '
'False when the order was no longer PENDING.';
grant execute on function app_private.sales_order_submitted(uuid, text) to svc_jobs;

create or replace function app_private.sales_order_refused(p_order_id uuid, p_message text) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_order app.sales_orders;
    v_owner uuid;
    v_message text := left(coalesce(nullif(btrim(p_message), ''), 'Xentral refused the order.'), 2000);
begin
    update app.sales_orders as o set state = 'FAILED', last_error = v_message
    where o.id = p_order_id and o.state = 'PENDING'
    returning o.* into v_order;
    if v_order.id is null then
        return false;
    end if;
    perform app_private.write_audit(
        v_order.tenant_id, 'sales_order.refused', 'sales_order', v_order.id, v_order.lead_id,
        jsonb_build_object('state', 'PENDING'), jsonb_build_object('state', 'FAILED', 'error', v_message), null, false
    );
    -- the lead's owner (who must fix it), and whoever placed it if that was someone else
    select l.owner_id into v_owner from app.leads as l where l.id = v_order.lead_id;
    perform app_private.notify(
        v_order.tenant_id, u.user_id, 'ORDER_FAILED', v_order.lead_id,
        format('Auftrag %s von Xentral abgelehnt', v_order.number),
        format('Xentral hat den Auftrag %s nicht angenommen: %s', v_order.number, v_message),
        'order_failed:' || v_order.id
    )
    from (select distinct x.user_id from unnest(array[v_owner, v_order.created_by]) as x (user_id)
          where x.user_id is not null) as u;
    return true;
end
$$;
comment on function app_private.sales_order_refused(uuid, text) is
'Xentral refused the order (validation): FAILED with its message, audited, the owner notified.';
grant execute on function app_private.sales_order_refused(uuid, text) to svc_jobs;

create or replace function app_private.sales_order_delayed(p_order_id uuid, p_error text) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    update app.sales_orders as o set last_error = left(coalesce(p_error, 'unknown error'), 2000)
    where o.id = p_order_id and o.state = 'PENDING'
$$;
comment on function app_private.sales_order_delayed(uuid, text) is
'Records a temporary failure of a PENDING order''s submission (it is retried).';
grant execute on function app_private.sales_order_delayed(uuid, text) to svc_jobs;

-- ------------------------------------------------------------ connector call latency (SPEC 8.3)

-- Every upstream call of a connector: [{"operation", "ms", "outcome"}] from one request or job.
create or replace function app_private.record_connector_calls(
    p_tenant_id uuid, p_connector text, p_calls jsonb
) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    insert into app.connector_calls (tenant_id, connector, operation, started_at, duration_ms, outcome)
    select
        p_tenant_id,
        p_connector,
        c.value ->> 'operation',
        pg_catalog.clock_timestamp() - make_interval(secs => (c.value ->> 'ms')::float8 / 1000),
        (c.value ->> 'ms')::numeric,
        c.value ->> 'outcome'
    from jsonb_array_elements(case when jsonb_typeof(p_calls) = 'array' then p_calls else '[]' end) as c
$$;
comment on function app_private.record_connector_calls(uuid, text, jsonb) is
'Records the latency and outcome of upstream calls: [{"operation", "ms", "outcome"}].';
grant execute on function app_private.record_connector_calls(uuid, text, jsonb) to svc_api, svc_jobs;

-- ------------------------------------------------------------ credit checks (SPEC 8.3)

-- A credit check as the service answers it.
create or replace function app.credit_check_json(p_check app.credit_checks, p_source text, p_stale boolean)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_build_object(
        'check_id', p_check.id,
        'lead_id', p_check.lead_id,
        'company_id', p_check.company_id,
        'company_name', p_check.company_name,
        'grade', p_check.grade,
        'status', p_check.status,
        'checked_at', p_check.checked_at,
        'valid_until', p_check.valid_until,
        'source', p_source,
        'stale', p_stale
    )
$$;
comment on function app.credit_check_json(app.credit_checks, text, boolean) is
'The answer of POST /api/credit-checks for a stored check.';
grant execute on function app.credit_check_json(app.credit_checks, text, boolean) to sales_rep, sales_manager, svc_api;

-- How long a grade is reused (SPEC 8.3: 8 hours per tenant and company).
create or replace function app.credit_check_reuse() returns interval
language sql
immutable
parallel safe
set search_path = ''
as $$ select interval '8 hours' $$;
comment on function app.credit_check_reuse() is 'How long a GRADED check is reused: 8 hours.';
grant execute on function app.credit_check_reuse() to sales_rep, sales_manager, svc_api;

-- Step 1, as the caller (RLS decides what they may read): may they check this lead, what is known
-- of its company, and a fresh grade of the lead if there is one (not for a manager's refresh).
create or replace function app.credit_check_subject(p_lead_id uuid, p_refresh boolean) returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_lead app.leads;
    v_details app.lead_details;
    v_cached app.credit_checks;
    v_vat text;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    select l.* into v_lead from app.leads as l where l.id = p_lead_id;
    if v_lead.id is null then
        perform app.raise_error('FP305', 404, 'The lead does not exist.', 'lead_id');
    end if;
    perform app.require_owner_or_manager(v_lead);
    if p_refresh and app.current_web_role() <> 'sales_manager' then
        perform app.raise_error('FP820', 403, 'Only a manager may refresh a credit check.', 'refresh');
    end if;
    select d.* into v_details from app.lead_details as d where d.lead_id = v_lead.id;
    if not p_refresh then
        select c.* into v_cached from app.credit_checks as c
        where c.lead_id = v_lead.id and c.status = 'GRADED' and c.checked_at > pg_catalog.now() - app.credit_check_reuse()
        order by c.checked_at desc
        limit 1;
    end if;
    v_vat := nullif(upper(regexp_replace(coalesce(v_details.vat_id, v_lead.vat_key, ''), '[^A-Za-z0-9]', '', 'g')), '');
    return jsonb_build_object(
        'lead_id', v_lead.id,
        'tenant_id', v_lead.tenant_id,
        -- what the collapse locks on: the company as we know it (its VAT id, else name and postcode)
        'company_key', coalesce('vat:' || v_vat, 'name:' || v_lead.dup_key),
        'vat_id', v_vat,
        'company_name', v_lead.company_name,
        'street', v_details.street,
        'postal_code', v_lead.postal_code,
        'city', v_lead.city,
        'country', coalesce(v_details.country, 'DE'),
        'cached', case when v_cached.id is not null then app.credit_check_json(v_cached, 'cache', false) end
    );
end
$$;
comment on function app.credit_check_subject(uuid, boolean) is
'Whether the caller may check the lead (owner or manager; refresh: managers), its company as we know it, '
'and a grade of the lead younger than 8 hours.';
grant execute on function app.credit_check_subject(uuid, boolean) to sales_rep, sales_manager, auditor, tenant_admin;

-- Step 2, by the service (svc_api), on the connection that makes the upstream calls: one caller per
-- tenant and company at a time, in every service process; the others wait here and then find what
-- the first one stored. A session-level lock, so that the caller can commit what it learns on the
-- way (a grade request before it polls it); credit_check_unlock releases it (a broken connection
-- releases it too).
create or replace function app_private.credit_check_lock(p_tenant_id uuid, p_company_key text) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    select pg_catalog.pg_advisory_lock(
        pg_catalog.hashtextextended('allianz.check:' || p_tenant_id || ':' || p_company_key, 0)
    )
$$;
comment on function app_private.credit_check_lock(uuid, text) is
'Serialises the upstream lookups of a tenant''s company (session lock; see credit_check_unlock).';
grant execute on function app_private.credit_check_lock(uuid, text) to svc_api;

create or replace function app_private.credit_check_unlock(p_tenant_id uuid, p_company_key text) returns boolean
language sql
volatile
security definer
set search_path = ''
as $$
    select pg_catalog.pg_advisory_unlock(
        pg_catalog.hashtextextended('allianz.check:' || p_tenant_id || ':' || p_company_key, 0)
    )
$$;
comment on function app_private.credit_check_unlock(uuid, text) is 'Releases credit_check_lock.';
grant execute on function app_private.credit_check_unlock(uuid, text) to svc_api;

-- After the lock: what the caller may answer without Allianz Trade. A grade of the lead stored since
-- p_since (by whoever held the lock before); a FAILED check of it since the request began (the
-- company is unknown: the waiters need not ask again); its grade request still pending at Allianz
-- Trade (to resume, not to repeat), `fresh` when a concurrent request made it.
drop function if exists app_private.credit_check_found(uuid, timestamptz);
create or replace function app_private.credit_check_found(
    p_lead_id uuid, p_since timestamptz, p_started timestamptz
) returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
    select jsonb_build_object(
        'graded', (
            select app.credit_check_json(c, 'cache', false) from app.credit_checks as c
            where c.lead_id = p_lead_id and c.status = 'GRADED' and c.checked_at >= p_since
            order by c.checked_at desc limit 1
        ),
        'failed', exists (
            select from app.credit_checks as c
            where c.lead_id = p_lead_id and c.status = 'FAILED' and c.checked_at >= p_started
        ),
        'pending', (
            select app.credit_check_json(c, 'live', false)
                || jsonb_build_object('allianz_job_id', c.allianz_job_id, 'fresh', c.checked_at >= p_started)
            from app.credit_checks as c
            where c.lead_id = p_lead_id and c.status = 'PENDING' and c.checked_at > pg_catalog.now() - interval '1 day'
            order by c.checked_at desc limit 1
        )
    )
$$;
comment on function app_private.credit_check_found(uuid, timestamptz, timestamptz) is
'A GRADED check of the lead since p_since, whether one FAILED since p_started, and its PENDING grade request.';
grant execute on function app_private.credit_check_found(uuid, timestamptz, timestamptz) to svc_api;

-- A grade request of the tenant's company still pending at Allianz Trade (from any lead): resumed,
-- not repeated.
create or replace function app_private.credit_check_pending_job(p_tenant_id uuid, p_company_id text) returns text
language sql
stable
security definer
set search_path = ''
as $$
    select c.allianz_job_id from app.credit_checks as c
    where
        c.tenant_id = p_tenant_id and c.company_id = p_company_id and c.status = 'PENDING'
        and c.checked_at > pg_catalog.now() - interval '1 day'
    order by c.checked_at desc
    limit 1
$$;
comment on function app_private.credit_check_pending_job(uuid, text) is
'The Allianz Trade job of the newest PENDING grade request of the tenant''s company (last day).';
grant execute on function app_private.credit_check_pending_job(uuid, text) to svc_api;

-- After the company is matched: a grade of the same company (another lead of the tenant) to reuse.
create or replace function app_private.credit_check_of_company(
    p_tenant_id uuid, p_company_id text, p_since timestamptz
) returns uuid
language sql
stable
security definer
set search_path = ''
as $$
    select c.id from app.credit_checks as c
    where c.tenant_id = p_tenant_id and c.company_id = p_company_id and c.status = 'GRADED' and c.checked_at >= p_since
    order by c.checked_at desc
    limit 1
$$;
comment on function app_private.credit_check_of_company(uuid, text, timestamptz) is
'The newest GRADED check of the tenant''s company since p_since.';
grant execute on function app_private.credit_check_of_company(uuid, text, timestamptz) to svc_api;

-- Stores what Allianz Trade answered (or a reused grade) and audits it. p_result: {"company_id",
-- "company_name", "status", "grade", "valid_until", "allianz_job_id", "reused_from"}; a PENDING
-- check of the lead it completes is updated instead of a second row.
create or replace function app_private.credit_check_store(
    p_tenant_id uuid, p_lead_id uuid, p_user_id uuid, p_result jsonb, p_source text
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_check app.credit_checks;
    v_reused app.credit_checks;
    v_pending uuid := (p_result ->> 'pending_check_id')::uuid;
begin
    if not exists (select from app.leads as l where l.id = p_lead_id and l.tenant_id = p_tenant_id) then
        raise exception 'lead % is not of tenant %', p_lead_id, p_tenant_id using errcode = 'insufficient_privilege';
    end if;
    if p_result ? 'reused_from' then
        select c.* into v_reused from app.credit_checks as c
        where c.id = (p_result ->> 'reused_from')::uuid and c.tenant_id = p_tenant_id and c.status = 'GRADED';
    end if;
    if v_pending is not null then
        update app.credit_checks as c
        set
            status = p_result ->> 'status',
            grade = p_result ->> 'grade',
            valid_until = (p_result ->> 'valid_until')::timestamptz,
            checked_at = pg_catalog.clock_timestamp()
        where c.id = v_pending and c.lead_id = p_lead_id and c.status = 'PENDING'
        returning c.* into v_check;
        if v_check.id is null then  -- completed meanwhile by another check: answer that one
            select c.* into v_check from app.credit_checks as c where c.id = v_pending and c.lead_id = p_lead_id;
            if v_check.id is not null then
                return app.credit_check_json(v_check, p_source, false);
            end if;
        end if;
    end if;
    if v_check.id is null then
        -- a reused grade keeps the time Allianz Trade gave it: it is reused for 8 hours from then,
        -- not passed along for ever
        insert into app.credit_checks (
            tenant_id, lead_id, company_id, company_name, status, grade, allianz_job_id, checked_at, valid_until,
            requested_by, reused_from
        )
        values (
            p_tenant_id, p_lead_id,
            coalesce(v_reused.company_id, p_result ->> 'company_id'),
            coalesce(v_reused.company_name, left(p_result ->> 'company_name', 300)),
            coalesce(v_reused.status, p_result ->> 'status'),
            coalesce(v_reused.grade, p_result ->> 'grade'),
            p_result ->> 'allianz_job_id',
            coalesce(v_reused.checked_at, pg_catalog.clock_timestamp()),
            coalesce(v_reused.valid_until, (p_result ->> 'valid_until')::timestamptz),
            p_user_id,
            v_reused.id
        )
        returning * into v_check;
    end if;
    perform app_private.write_audit(
        p_tenant_id, 'credit_check.' || lower(v_check.status), 'credit_check', v_check.id, p_lead_id, null,
        jsonb_build_object(
            'company_id', v_check.company_id, 'grade', v_check.grade, 'status', v_check.status,
            'valid_until', v_check.valid_until, 'reused_from', v_check.reused_from, 'requested_by', p_user_id
        ),
        null, false
    );
    return app.credit_check_json(v_check, p_source, false);
end
$$;
comment on function app_private.credit_check_store(uuid, uuid, uuid, jsonb, text) is
'Stores and audits a credit check (a new grade, a reused one, or a pending request completed).';
grant execute on function app_private.credit_check_store(uuid, uuid, uuid, jsonb, text) to svc_api;

-- Allianz Trade down: the last grade of the lead, however old, marked stale.
create or replace function app_private.credit_check_last(p_lead_id uuid) returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
    select app.credit_check_json(c, 'cache', true) from app.credit_checks as c
    where c.lead_id = p_lead_id and c.status = 'GRADED'
    order by c.checked_at desc
    limit 1
$$;
comment on function app_private.credit_check_last(uuid) is 'The newest GRADED check of the lead, marked stale.';
grant execute on function app_private.credit_check_last(uuid) to svc_api;

-- ------------------------------------------------------------ limit requests (SPEC 8.3)

-- POST /api/credit-checks/{id}/limit-request, in the caller's transaction: the owner or a manager
-- asks Allianz Trade for a credit limit on a graded check; the job allianz.limit sends and polls it.
create or replace function app_private.request_credit_limit(p_check_id uuid, p_amount_eur numeric) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_check app.credit_checks;
    v_lead app.leads;
    v_request app.credit_limit_requests;
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    select c.* into v_check from app.credit_checks as c
    where c.id = p_check_id and c.tenant_id = app.current_tenant_id();
    select l.* into v_lead from app.leads as l where l.id = v_check.lead_id for update;
    if v_check.id is null
        or app.current_web_role() = 'sales_rep' and v_lead.owner_id is distinct from app.current_user_id()
        and app_private.collaborator_role(v_lead.id) is null then
        perform app.raise_error('FP823', 404, 'The credit check does not exist.', 'check_id');
    end if;
    perform app.require_owner_or_manager(v_lead);
    if v_check.status <> 'GRADED' then
        perform app.raise_error(
            'FP824', 409, 'A limit can be requested only on a graded credit check.', 'check_id'
        );
    end if;
    if p_amount_eur is null or p_amount_eur <= 0 or p_amount_eur > 100000000 or p_amount_eur <> round(p_amount_eur, 2) then
        perform app.raise_error(
            'FP825', 400, 'amount_eur must be a positive amount of at most 100 000 000 with at most 2 decimals.',
            'amount_eur'
        );
    end if;
    if not exists (select from app.connectors as c where c.connector = 'allianz' and c.configured) then
        perform app.raise_error(
            'FP811', 409, 'The connector is not configured: no worker has its credentials.', 'check_id'
        );
    end if;
    -- one open application per check (a double click is not two); the lead's lock serialises this
    if exists (
        select from app.credit_limit_requests as r
        where r.check_id = v_check.id and r.state in ('REQUESTED', 'PENDING')
    ) then
        perform app.raise_error(
            'FP829', 409, 'A limit request on this check is still open.', 'check_id',
            'Its decision is shown in api.credit_checks.'
        );
    end if;
    insert into app.credit_limit_requests (tenant_id, lead_id, check_id, company_id, amount_eur, requested_by)
    values (v_check.tenant_id, v_check.lead_id, v_check.id, v_check.company_id, p_amount_eur, app.current_user_id())
    returning * into v_request;
    insert into app.jobs (tenant_id, kind, payload, dedupe_key, lead_id)
    values (
        v_check.tenant_id, 'allianz.limit', jsonb_build_object('request_id', v_request.id),
        'allianz.limit:' || v_request.id || ':0', v_check.lead_id
    );
    perform app_private.write_audit(
        v_check.tenant_id, 'credit_limit.requested', 'credit_limit_request', v_request.id, v_check.lead_id, null,
        jsonb_build_object('check_id', v_check.id, 'company_id', v_check.company_id, 'amount_eur', p_amount_eur),
        null, false
    );
    return jsonb_build_object(
        'request_id', v_request.id, 'check_id', v_check.id, 'lead_id', v_check.lead_id,
        'amount_eur', v_request.amount_eur, 'state', v_request.state, 'requested_at', v_request.requested_at
    );
end
$$;
comment on function app_private.request_credit_limit(uuid, numeric) is
'Queues a credit limit request on a graded check of a lead the caller owns or manages (audited).';
grant execute on function app_private.request_credit_limit(uuid, numeric) to sales_rep, sales_manager;

-- The worker's side (job allianz.limit). Before it sends a request it commits
-- submission_started_at: a request whose answer was lost is not sent again blindly (FAILED, for a
-- human to check at Allianz Trade); one known not to have arrived (429, 503, no connection) is
-- unmarked and retried.
create or replace function app_private.credit_limit_for_job(p_request_id uuid) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_request app.credit_limit_requests;
begin
    select r.* into v_request from app.credit_limit_requests as r where r.id = p_request_id for update;
    if v_request.id is null then
        return null;
    end if;
    if v_request.state = 'REQUESTED' and v_request.submission_started_at is null then
        update app.credit_limit_requests as r set submission_started_at = pg_catalog.clock_timestamp()
        where r.id = p_request_id;
    end if;
    return jsonb_build_object(
        'tenant_id', v_request.tenant_id,
        'state', v_request.state,
        'company_id', v_request.company_id,
        'amount_eur', v_request.amount_eur,
        'allianz_job_id', v_request.allianz_job_id,
        'polls', v_request.polls,
        'sent_before', v_request.state = 'REQUESTED' and v_request.submission_started_at is not null
    );
end
$$;
comment on function app_private.credit_limit_for_job(uuid) is
'The limit request as the worker handles it; marks the first send.';
grant execute on function app_private.credit_limit_for_job(uuid) to svc_jobs;

create or replace function app_private.credit_limit_unsent(p_request_id uuid, p_error text) returns void
language sql
volatile
security definer
set search_path = ''
as $$
    update app.credit_limit_requests as r
    set submission_started_at = null, last_error = left(p_error, 2000)
    where r.id = p_request_id and r.state = 'REQUESTED'
$$;
comment on function app_private.credit_limit_unsent(uuid, text) is
'The request certainly did not reach Allianz Trade: it may be sent again.';
grant execute on function app_private.credit_limit_unsent(uuid, text) to svc_jobs;

-- Sent (PENDING with Allianz Trade's job id) or polled and still pending: the next poll is a new
-- job after a backoff (p_base_seconds doubling per poll, at most an hour), so a long decision is
-- no failing job.
create or replace function app_private.credit_limit_poll_later(
    p_request_id uuid, p_allianz_job_id text, p_base_seconds numeric
) returns timestamptz
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_request app.credit_limit_requests;
    v_at timestamptz;
begin
    update app.credit_limit_requests as r
    set
        state = 'PENDING',
        allianz_job_id = coalesce(r.allianz_job_id, p_allianz_job_id),
        polls = r.polls + 1,
        last_error = null
    where r.id = p_request_id and r.state in ('REQUESTED', 'PENDING')
    returning r.* into v_request;
    if v_request.id is null then
        return null;
    end if;
    v_at := pg_catalog.now() + make_interval(
        secs => least(p_base_seconds * 2 ^ least(v_request.polls - 1, 20), 3600)::float8
    );
    insert into app.jobs (tenant_id, kind, payload, dedupe_key, lead_id, next_attempt_at)
    values (
        v_request.tenant_id, 'allianz.limit', jsonb_build_object('request_id', v_request.id),
        'allianz.limit:' || v_request.id || ':' || v_request.polls, v_request.lead_id, v_at
    );
    return v_at;
end
$$;
comment on function app_private.credit_limit_poll_later(uuid, text, numeric) is
'Marks the request PENDING at Allianz Trade and queues its next poll after a backoff; returns when.';
grant execute on function app_private.credit_limit_poll_later(uuid, text, numeric) to svc_jobs;

-- The decision (Agreed, PartiallyAgreed, Refused) or a failure: stored, audited, the requester told.
create or replace function app_private.credit_limit_decided(
    p_request_id uuid, p_state text, p_agreed_eur numeric, p_decision text, p_error text default null
) returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_request app.credit_limit_requests;
    v_company text;
begin
    if p_state not in ('AGREED', 'PARTIAL', 'REFUSED', 'FAILED') then
        raise exception 'not a decision: %', p_state using errcode = 'invalid_parameter_value';
    end if;
    update app.credit_limit_requests as r
    set
        state = p_state,
        agreed_eur = p_agreed_eur,
        decision = left(p_decision, 100),
        last_error = left(p_error, 2000),
        decided_at = pg_catalog.clock_timestamp()
    where r.id = p_request_id and r.state in ('REQUESTED', 'PENDING')
    returning r.* into v_request;
    if v_request.id is null then
        return false;
    end if;
    perform app_private.write_audit(
        v_request.tenant_id, 'credit_limit.' || lower(p_state), 'credit_limit_request', v_request.id,
        v_request.lead_id, jsonb_build_object('state', 'PENDING'),
        jsonb_build_object('state', p_state, 'agreed_eur', p_agreed_eur, 'decision', p_decision, 'error', p_error),
        null, false
    );
    select c.company_name into v_company from app.credit_checks as c where c.id = v_request.check_id;
    perform app_private.notify(
        v_request.tenant_id, v_request.requested_by, 'CREDIT_LIMIT_DECIDED', v_request.lead_id,
        format('Kreditlimit %s: %s', coalesce(v_company, 'Kunde'), case p_state
            when 'AGREED' then 'bewilligt' when 'PARTIAL' then 'teilweise bewilligt'
            when 'REFUSED' then 'abgelehnt' else 'fehlgeschlagen' end),
        case when p_state = 'FAILED' then
            format('Die Limitanfrage über %s EUR konnte nicht entschieden werden: %s', v_request.amount_eur, p_error)
        else
            format('Angefragt: %s EUR, bewilligt: %s EUR.', v_request.amount_eur, coalesce(p_agreed_eur, 0))
        end,
        'credit_limit:' || v_request.id
    );
    return true;
end
$$;
comment on function app_private.credit_limit_decided(uuid, text, numeric, text, text) is
'Stores Allianz Trade''s decision on a limit request (or its failure), audits it and notifies the requester.';
grant execute on function app_private.credit_limit_decided(uuid, text, numeric, text, text) to svc_jobs;

create or replace view api.credit_checks
with (security_invoker = true)
as
select
    c.id,
    c.lead_id,
    c.company_id,
    c.company_name,
    c.status,
    c.grade,
    c.checked_at,
    c.valid_until,
    c.requested_by,
    c.reused_from,
    r.id as limit_request_id,
    r.amount_eur as limit_amount_eur,
    r.state as limit_state,
    r.agreed_eur as limit_agreed_eur,
    r.decided_at as limit_decided_at
from app.credit_checks as c
left join lateral (
    select lr.* from app.credit_limit_requests as lr
    where lr.check_id = c.id
    order by lr.requested_at desc
    limit 1
) as r on true;
comment on view api.credit_checks is
'Credit checks of the leads the caller may read, with the latest limit request of each and its decision.';
comment on column api.credit_checks.id is 'Check id.';
comment on column api.credit_checks.lead_id is 'Lead.';
comment on column api.credit_checks.company_id is 'Allianz Trade''s companyId.';
comment on column api.credit_checks.company_name is 'The company as Allianz Trade names it.';
comment on column api.credit_checks.status is 'GRADED, PENDING (Allianz Trade still grading) or FAILED.';
comment on column api.credit_checks.grade is 'Allianz Trade''s grade.';
comment on column api.credit_checks.checked_at is 'When Allianz Trade answered.';
comment on column api.credit_checks.valid_until is 'Until when the grade holds, if Allianz Trade says.';
comment on column api.credit_checks.requested_by is 'Who asked.';
comment on column api.credit_checks.reused_from is 'The check of another lead of the same company it reuses.';
comment on column api.credit_checks.limit_request_id is 'The latest credit limit request on it.';
comment on column api.credit_checks.limit_amount_eur is 'Its requested amount in EUR.';
comment on column api.credit_checks.limit_state is 'REQUESTED, PENDING, AGREED, PARTIAL, REFUSED or FAILED.';
comment on column api.credit_checks.limit_agreed_eur is 'The agreed limit in EUR.';
comment on column api.credit_checks.limit_decided_at is 'When Allianz Trade decided.';
grant select on api.credit_checks to sales_rep, sales_manager, auditor, tenant_admin;

-- The owner or a manager takes back an order Xentral has not been sent yet.
create or replace function api.cancel_sales_order(order_id uuid) returns setof api.sales_orders
language plpgsql
volatile
rows 1
as $$
begin
    perform app.require_role(array['sales_rep', 'sales_manager']);
    perform app_private.cancel_sales_order(cancel_sales_order.order_id);
    return query select o.* from api.sales_orders as o where o.id = cancel_sales_order.order_id;
end
$$;
comment on function api.cancel_sales_order(uuid) is
'Cancels a PENDING order that was not sent to Xentral yet (owner or manager; audited). Once sent, it is '
'Xentral''s: cancel it there.';
grant execute on function api.cancel_sales_order(uuid) to sales_rep, sales_manager, auditor, tenant_admin;

create or replace function app_private.cancel_sales_order(p_order_id uuid) returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_order app.sales_orders;
    v_lead app.leads;
begin
    select o.* into v_order from app.sales_orders as o
    where o.id = p_order_id and o.tenant_id = app.current_tenant_id();
    -- lead before order: the order every order path locks in
    select l.* into v_lead from app.leads as l where l.id = v_order.lead_id for update;
    select o.* into v_order from app.sales_orders as o where o.id = p_order_id for update;
    if v_order.id is null or app.current_web_role() = 'sales_rep' and not app.rep_can_read(v_order.lead_id) then
        perform app.raise_error('FP827', 404, 'The sales order does not exist.', 'order_id');
    end if;
    perform app.require_owner_or_manager(v_lead);
    if v_order.state <> 'PENDING' or v_order.submission_started_at is not null then
        perform app.raise_error(
            'FP828', 409, 'The order was sent to Xentral already (or has ended): cancel it in Xentral.', 'order_id'
        );
    end if;
    update app.sales_orders as o set state = 'CANCELLED' where o.id = v_order.id;
    update app.jobs as j set state = 'CANCELLED', finished_at = pg_catalog.now()
    where j.kind = 'xentral.order' and j.payload ->> 'order_id' = v_order.id::text and j.state = 'PENDING';
    perform app_private.write_audit(
        v_order.tenant_id, 'sales_order.cancelled', 'sales_order', v_order.id, v_order.lead_id,
        jsonb_build_object('state', 'PENDING'), jsonb_build_object('state', 'CANCELLED'), null, false
    );
end
$$;
comment on function app_private.cancel_sales_order(uuid) is
'Cancels an unsent PENDING order of a lead of the caller''s tenant (owner or manager) and its job; audited.';
grant execute on function app_private.cancel_sales_order(uuid) to sales_rep, sales_manager;

-- Connectors (SPEC 8.1, 8.2): the hourly product sync only where a worker has Xentral's
-- credentials and never twice per tenant, the SQL half of a sync (untrusted items skipped, a re-run
-- writes nothing, a renumbered product, the full pull's deactivation), and integration_status.
begin;
select plan(24);

select tests.create_tenant('alpha');
select tests.create_tenant('beta');
select tests.create_user('admin@alpha.test', 'tenant_admin', 'alpha');

create function pg_temp.tenant(p_slug text) returns uuid
language sql as $$ select t.id from app.tenants as t where t.slug = p_slug $$;
create function pg_temp.product(p_sku text) returns app.products
language sql as $$ select p.* from app.products as p where p.sku = p_sku and p.tenant_id = pg_temp.tenant('alpha') $$;

-- ------------------------------------------------------------ the hourly job
select is(
    app_private.run_job('xentral_products'), '{"queued": 0, "configured": false}',
    'no worker has Xentral credentials: nothing is queued'
);
select app_private.report_connectors('{"xentral": true, "unknown": true}');
select ok((select configured from app.connectors where connector = 'xentral'), 'a worker reported Xentral');
select is(
    app_private.run_job('xentral_products'), '{"queued": 2, "configured": true}', 'one sync per tenant'
);
select is(
    app_private.run_job('xentral_products') ->> 'queued', '0', 'a tenant whose sync is waiting gets no second one'
);
select is(
    (select last_result from app.job_heartbeats where job_name = 'xentral_products') ->> 'queued', '0',
    'the heartbeat records the run'
);
select is(
    (select schedule from app.job_heartbeats where job_name = 'xentral_products'), '15 * * * *',
    'pg_cron runs it hourly (afterMigrate schedules every heartbeat row)'
);

-- ------------------------------------------------------------ a page of products
insert into app.products (tenant_id, sku, name, unit) values (pg_temp.tenant('alpha'), 'HAND-1', 'Von Hand', 'Stück');
select is(
    app_private.upsert_products(pg_temp.tenant('alpha'), $$[
        {"xentral_id": "1", "sku": "A-1", "name": " Apfelsaft ", "unit": "Liter", "active": true,
         "net_price": "2.5", "currency": "EUR"},
        {"xentral_id": "2", "sku": "A-2", "name": "Birnen", "unit": null, "active": false,
         "net_price": null, "currency": null},
        {"xentral_id": "3", "sku": "bad sku; drop table", "name": "X", "unit": "kg", "active": true},
        {"xentral_id": "4", "sku": "A-4", "name": "", "unit": "kg", "active": true},
        {"xentral_id": "5", "sku": "A-5", "name": "Negativ", "unit": "kg", "active": true,
         "net_price": "-1", "currency": "EUR"},
        {"xentral_id": null, "sku": "A-6", "name": "Ohne Id", "unit": "kg", "active": true}
    ]$$),
    '{"inserted": 2, "updated": 0, "renumbered": 0, "skipped": ["3", "4", "5", "?"]}',
    'usable items are written; the others are skipped by id, nothing half-stored'
);
select is(
    (select (p.name, p.unit, p.active, p.net_price, p.currency)::text from pg_temp.product('A-1') as p),
    '(Apfelsaft,Liter,t,2.5000,EUR)', 'a product as Xentral listed it, name trimmed'
);
select is((pg_temp.product('A-2')).unit, 'Stück', 'a missing unit is Xentral''s default');
select is((select count(*)::int from app.products where sku in ('A-4', 'A-5', 'A-6')), 0, 'skipped items are not stored');

update app.products set synced_at = '2026-01-01 00:00+00' where xentral_id = '1';
select is(
    app_private.upsert_products(pg_temp.tenant('alpha'), $$[
        {"xentral_id": "1", "sku": "A-1", "name": "Apfelsaft", "unit": "Liter", "active": true,
         "net_price": "2.50", "currency": "EUR"}
    ]$$) ->> 'updated', '0', 'the same product again writes nothing'
);
select is((pg_temp.product('A-1')).synced_at, '2026-01-01 00:00+00'::timestamptz, 'not even synced_at');

select is(
    app_private.upsert_products(pg_temp.tenant('alpha'), $$[
        {"xentral_id": "1", "sku": "A-1N", "name": "Apfelsaft", "unit": "Liter", "active": true}
    ]$$) - 'skipped', '{"inserted": 1, "updated": 0, "renumbered": 1}', 'a product whose number changed'
);
select is(
    (select (p.active, p.xentral_id)::text from pg_temp.product('A-1') as p), '(f,)',
    'its old SKU is inactive and no longer Xentral''s'
);
select is((pg_temp.product('A-1N')).xentral_id, '1', 'the new SKU carries the Xentral id');
select is(
    (select count(*)::int from app.products where tenant_id = pg_temp.tenant('beta')), 0,
    'another tenant''s catalogue is untouched'
);

-- ------------------------------------------------------------ the end of a sync
select is(
    (select p.full_pull from app_private.product_sync_plan(pg_temp.tenant('alpha'), '0 s') as p), true,
    'the first sync is a full pull'
);
select is(
    app_private.finish_product_sync(pg_temp.tenant('alpha'), '2026-02-01 08:00+00', true, array['2'], '{}'),
    '{"gone": 1, "full_pull": true}', 'after a full pull what Xentral no longer lists is gone'
);
select is(
    (select string_agg(p.sku || '=' || p.active, ',' order by p.sku) from app.products as p
     where p.tenant_id = pg_temp.tenant('alpha')),
    'A-1=false,A-1N=false,A-2=false,HAND-1=true',
    'inactive, never deleted; a product not from Xentral is not Xentral''s to retire'
);
update app.connector_states set last_full_sync_at = now() where tenant_id = pg_temp.tenant('alpha');
select is(
    (select (p.full_pull, p.updated_since)::text from app_private.product_sync_plan(pg_temp.tenant('alpha'), '2 min') as p),
    '(f,"2026-02-01 07:58:00+00")', 'the next one asks for changes since the last began, less the overlap'
);

-- ------------------------------------------------------------ integration_status
select app_private.record_connector_error(pg_temp.tenant('alpha'), 'xentral', 'Xentral answered 503');
select tests.authenticate_as('admin@alpha.test');
select is(
    (select (s.configured, s.state, s.last_error, s.backlog)::text from api.integration_status as s
     where s.connector = 'xentral'),
    '(t,down,"Xentral answered 503",1)', 'the last thing that happened was an error: down, one sync waiting'
);
select tests.clear_authentication();
select app_private.finish_product_sync(pg_temp.tenant('alpha'), now(), false, null, '{}');
select tests.authenticate_as('admin@alpha.test');
select is(
    (select array_agg(s.connector || ':' || s.state order by s.connector)::text from api.integration_status as s),
    '{allianz:unconfigured,kas:unconfigured,mail:unconfigured,xentral:ok}', 'a success after it: ok (and Allianz Trade has no worker with its key)'
);
select tests.clear_authentication();
select is(
    (select h.state from app_private.connector_health() as h where h.connector = 'xentral'), 'ok',
    '/health sees the same state, over all tenants'
);
select app_private.record_connector_error(pg_temp.tenant('beta'), 'xentral', 'Xentral answered 401');
select is(
    (select h.state from app_private.connector_health() as h where h.connector = 'xentral'), 'down',
    'the latest event of any tenant decides: one Xentral serves them all'
);

select * from finish();
rollback;
